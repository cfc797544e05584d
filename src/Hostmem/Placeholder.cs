namespace Hostmem; public static class Placeholder {}

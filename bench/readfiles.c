/* The C reference for the file reads alone: opens, reads and closes each path listed in FILE (one per line), as
 * hostmem's discovery does (libc open/read/close), and does nothing else. bench/run lists the paths hostmem opens on
 * a tree (strace) and times this beside hostmem and lstopo: hello + these reads is the least any NativeAOT program
 * that reads the same files can take. Usage: readfiles FILE */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: readfiles FILE\n"); return 2; }
    FILE *list = fopen(argv[1], "r");
    if (!list) { perror(argv[1]); return 2; }
    char line[4096], buf[65536];
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\n")] = 0;
        int fd = open(line, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) continue; /* hostmem asks for absent files too: the failed open is part of the cost */
        while (read(fd, buf, sizeof buf) > 0) {}
        close(fd);
    }
    fclose(list);
    return 0;
}

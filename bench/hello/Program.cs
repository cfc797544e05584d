System.Console.WriteLine("hello 0.1.0");

using SharpFuzz;
using SharpServing.Fuzz;

// Usage: SharpServing.Fuzz <target>                  under afl-fuzz (tools/fuzz.sh): the persistent fork server
//        SharpServing.Fuzz <target> <file|folder>... runs the given inputs once each (a crash's reproduction)
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    await Console.Error.WriteLineAsync($"usage: SharpServing.Fuzz <{string.Join('|', FuzzTargets.Names)}> [input file or folder]...");
    return 2;
}
var target = args[0];
if (args.Length == 1)
{
    Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        FuzzTargets.Run(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}
var failures = 0;
foreach (var file in args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]))
{
    try
    {
        FuzzTargets.Run(target, File.ReadAllBytes(file));
    }
    catch (Exception e)
    {
        failures++;
        Console.WriteLine($"{file}: {e}");
    }
}
Console.WriteLine($"{target}: {failures} failing input(s)");
return failures == 0 ? 0 : 1;

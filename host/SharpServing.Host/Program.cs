using SharpServing.Host;
using SharpServing.Host.Commands;

return await CommandRunner.RunAsync(args);

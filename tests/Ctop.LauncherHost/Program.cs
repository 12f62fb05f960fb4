using System.CommandLine;
using Ctop.Launcher;

if (InitProcess.TryRunInit(args, out var code)) return code;
var root = new RootCommand("ctop launcher commands (test host)");
foreach (var c in LauncherCommands.Create()) root.Subcommands.Add(c);
return root.Parse(args).Invoke();

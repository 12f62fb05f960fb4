using System.Runtime.CompilerServices;
using Terminal.Gui.Configuration;

namespace Ctop.Ui;

/// <summary>
/// Terminal.Gui applies its configuration (Microsoft.Extensions.Configuration: its embedded defaults, user files,
/// environment) in a module initializer, which NativeAOT runs before Main for every command, the batch mode and the
/// launcher included (~35 ms). The NativeAOT build stubs that initializer out (TerminalGui.Substitutions.xml); the
/// modes that draw call <see cref="Apply"/> first, before any Terminal.Gui type is used, which is what it did.
/// </summary>
public static class TerminalGuiStartup
{
    private static int s_applied;

    public static void Apply()
    {
        // A JIT build (tests, dotnet run) ran the initializer as usual.
        if (RuntimeFeature.IsDynamicCodeSupported || Interlocked.Exchange(ref s_applied, 1) == 1) return;
        try { TuiConfigurationBuilder.Shared.ApplyToStaticFacades(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // As the initializer does: a bad configuration file leaves the defaults, never stops the dashboard.
            Console.Error.WriteLine($"ctop: Terminal.Gui configuration not applied: {e.Message}");
        }
    }
}

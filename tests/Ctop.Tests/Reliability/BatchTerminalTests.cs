using System.Diagnostics;

namespace Ctop.Tests.Reliability;

/// <summary>Batch mode without a terminal: no TERM, output piped, and the reader leaving early.</summary>
public class BatchTerminalTests
{
    [Fact]
    public void NoTermAndPipedOutputRunBatchMode()
    {
        // Piped stdout means batch mode even without -b, as with top; TERM unset or dumb must not matter.
        foreach (var term in new string?[] { null, "dumb" })
        {
            var r = CtopBinary.Run(["-n", "1", "-d", "0.2"], configure: psi =>
            {
                psi.Environment.Remove("TERM");
                if (term is not null) psi.Environment["TERM"] = term;
            });
            Assert.True(r.Code == 0, r.Stderr);
            Assert.Equal("", r.Stderr);
            Assert.StartsWith("ctop - ", r.Text);
            Assert.DoesNotContain(r.Stdout, b => b == 0x1b); // no terminal control sequences in batch output
        }
    }

    [Theory]
    [InlineData("-b")]
    [InlineData("-b --json")]
    [InlineData("-b -d 0.05")]
    public async Task HeadOneEndsCleanly(string args)
    {
        // ctop runs until its reader leaves: head exits after one line, ctop's next write gets EPIPE.
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"env -u TERM dotnet '{CtopBinary.Dll}' {args} 2>err | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}; cat err >&2; rm -f err");
        psi.WorkingDirectory = Directory.CreateTempSubdirectory("ctop-test-head-").FullName;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); Assert.Fail("ctop did not end after head left"); }
        Directory.Delete(psi.WorkingDirectory, recursive: true);
        Assert.Equal("0", output.Trim());
        Assert.Equal("", await err);
    }
}

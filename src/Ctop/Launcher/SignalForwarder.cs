using ProcFs.Proc;
using System.Globalization;
using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Ctop.Launcher;

/// <summary>
/// Passes SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to ctop on to the command, instead of letting .NET end ctop.
/// A signal the terminal sent to the whole foreground process group already reached the command, so it is not
/// sent twice. The kernel drops signals that PID 1 of a pid namespace has no handler for; ctop then applies the
/// default action itself (SIGKILL) and reports 128 + the signal, which is what the user asked for.
/// </summary>
internal sealed class SignalForwarder : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = new();
    private readonly object _gate = new();
    private int _target;
    private bool _isNamespaceInit, _launching = true;

    /// <param name="earlier">
    /// A stop signal that reached ctop before these handlers existed (ctop's own handler took it); it becomes
    /// <see cref="Pending"/>. Read after registering, so a signal is either seen here or handled by these handlers.
    /// </param>
    public SignalForwarder(Func<int?>? earlier = null)
    {
        foreach (var s in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
            _registrations.Add(PosixSignalRegistration.Create(s, Handle));
        if (earlier?.Invoke() is { } sig)
            lock (_gate) Pending ??= sig;
    }

    /// <summary>The first signal that arrived before there was a command to give it to.</summary>
    public int? Pending { get; private set; }

    /// <summary>The signal whose default action ctop carried out on the command's behalf.</summary>
    public int? Emulated { get; private set; }

    /// <summary>From now on signals go to <paramref name="pid"/>; while it is still launching they end it.</summary>
    public void Target(int pid, bool isNamespaceInit)
    {
        lock (_gate)
        {
            _target = pid;
            _isNamespaceInit = isNamespaceInit;
        }
    }

    /// <summary>The target now runs the command itself (its execve happened).</summary>
    public void Launched()
    {
        lock (_gate) _launching = false;
    }

    private void Handle(PosixSignalContext ctx)
    {
        ctx.Cancel = true;
        int sig = ctx.Signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            _ => 15,
        };
        lock (_gate)
        {
            if (_target == 0)
            {
                Pending ??= sig;
                return;
            }
            if (_launching)
            {
                // ctop's own init would treat it as a .NET process does; the user wants the container gone.
                Emulated ??= sig;
                Syscall.kill(_target, Signum.SIGKILL);
                return;
            }
            bool fromTerminal = sig is 2 or 3 && Syscall.isatty(0) && Syscall.tcgetpgrp(0) == Syscall.getpgrp();
            if (!fromTerminal) Syscall.kill(_target, (Signum)sig);
            if (_isNamespaceInit && !Handles(_target, sig))
            {
                Emulated ??= sig;
                Syscall.kill(_target, Signum.SIGKILL);
            }
        }
    }

    /// <summary>Whether the process catches or ignores the signal (SigCgt/SigIgn in /proc/PID/status).</summary>
    internal static bool Handles(int pid, int sig, string procRoot = "/proc") =>
        !new ProcReader(procRoot).TryReadStatus(pid, out var status) || status.Handles(sig); // gone: nothing to emulate

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}

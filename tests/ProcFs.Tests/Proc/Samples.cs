namespace ProcFs.Tests.Proc;

/// <summary>Files copied from a 6.18 kernel (2 CPUs), so fixtures have the real shapes.</summary>
internal static class Samples
{
    /// <summary>`cat`'s /proc/PID/stat: 52 fields.</summary>
    public const string CatStat =
        "3832 (cat) R 3830 3830 2621 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 36854 3133440 391 18446744073709551615 93992444293120 93992444313001 140726277971056 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 93992444329008 93992444330624 93993411928064 140726277978596 140726277978616 140726277978616 140726277980139 0\n";

    /// <summary>A workqueue kernel thread: name longer than 15 bytes, PF_KTHREAD set, state I
    /// (its tail, from a sibling kworker, has processor = 1).</summary>
    public const string KworkerStat =
        "32 (kworker/u8:1-kvfree_rcu_reclaim) I 2 0 0 0 -1 69239136 0 0 0 0 0 27 0 0 20 0 1 0 16 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    public const string InitStat =
        "1 (process_api) S 0 0 0 0 -1 4194560 12463 604330 0 186 38 77 4990 1097 10 -10 11 0 14 36802560 2458 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    public const string CatStatus = """
        Name:	cat
        Umask:	0022
        State:	R (running)
        Tgid:	3833
        Ngid:	0
        Pid:	3833
        PPid:	3830
        TracerPid:	0
        Uid:	1000	1001	1002	1003
        Gid:	100	101	102	103
        FDSize:	256
        Groups:	 
        NStgid:	3833
        NSpid:	3833
        NSpgid:	3830
        NSsid:	2621
        Kthread:	0
        VmPeak:	    3060 kB
        VmSize:	    3060 kB
        VmLck:	       0 kB
        VmPin:	       0 kB
        VmHWM:	    1568 kB
        VmRSS:	    1568 kB
        RssAnon:	     116 kB
        RssFile:	    1452 kB
        RssShmem:	       4 kB
        VmData:	     360 kB
        VmStk:	     132 kB
        VmExe:	      20 kB
        VmLib:	    1528 kB
        VmPTE:	      40 kB
        VmSwap:	       8 kB
        HugetlbPages:	       0 kB
        CoreDumping:	0
        THP_enabled:	1
        untag_mask:	0xffffffffffffffff
        Threads:	1
        SigQ:	0/96364
        SigPnd:	0000000000000000
        ShdPnd:	0000000000000000
        SigBlk:	0000000000000000
        SigIgn:	0000000000000000
        SigCgt:	0000000000000000
        CapInh:	0000000000000000
        CapPrm:	000001fffeffffff
        CapEff:	000001fffeffffff
        CapBnd:	000001fffeffffff
        CapAmb:	0000000000000000
        NoNewPrivs:	0
        Seccomp:	0
        Seccomp_filters:	0
        Speculation_Store_Bypass:	thread vulnerable
        SpeculationIndirectBranch:	conditional enabled
        Cpus_allowed:	3
        Cpus_allowed_list:	0-1
        Mems_allowed:	00000000,00000001
        Mems_allowed_list:	0
        voluntary_ctxt_switches:	7
        nonvoluntary_ctxt_switches:	1

        """;

    public const string KthreaddStatus = """
        Name:	kthreadd
        Umask:	0022
        State:	S (sleeping)
        Tgid:	2
        Ngid:	0
        Pid:	2
        PPid:	0
        TracerPid:	0
        Uid:	0	0	0	0
        Gid:	0	0	0	0
        FDSize:	64
        Groups:	 
        NStgid:	2
        NSpid:	2
        NSpgid:	0
        NSsid:	0
        Kthread:	1
        Threads:	1
        SigQ:	0/96364
        Cpus_allowed:	3
        Cpus_allowed_list:	0-1
        voluntary_ctxt_switches:	312
        nonvoluntary_ctxt_switches:	2

        """;

    public const string SystemStat = """
        cpu  8046 0 2099 62978 201 0 81 78 0 0
        cpu0 3307 0 1015 32337 29 0 41 38 0 0
        cpu1 4739 0 1084 30640 172 0 40 40 0 0
        intr 147768 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 10 0 0 0 0 73 34 0 18 1 6817 0 1788
        ctxt 308770
        btime 1795677922
        processes 3840
        procs_running 2
        procs_blocked 1
        softirq 70545 0 10265 6 3294 6819 0 4 26442 0 23715

        """;

    public const string MemInfo = """
        MemTotal:       24683656 kB
        MemFree:        24359716 kB
        MemAvailable:   24390696 kB
        Buffers:            2296 kB
        Cached:           232432 kB
        SwapCached:            0 kB
        Active:            82876 kB
        Inactive:         149164 kB
        Active(anon):       1528 kB
        Inactive(anon):     4736 kB
        SwapTotal:       1048572 kB
        SwapFree:        1048000 kB
        VmallocTotal:   34359738367 kB
        HugePages_Total:       0
        HugePages_Free:        3
        Hugepagesize:       2048 kB
        DirectMap1G:    25165824 kB

        """;

    public const string LoadAvg = "0.10 0.19 0.09 1/81 3842\n";
    public const string Uptime = "368.55 629.78\n";
    public const string VmStat = "nr_free_pages 5812345\nnr_zone_inactive_anon 1234\npgfault 987654321\noom_kill 3\nnuma_hit 42\n";
    public const string Schedstat = "155600117 6150748 370\n";
}

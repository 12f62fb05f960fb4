namespace Ctop.Tests.Reliability;

/// <summary>
/// Fixed outside inputs the fuzzers start from: this development machine's /proc files (2 CPUs, cgroup v1 hybrid) and
/// the runtimes' answers in the shapes docker 20.10 and podman 4.3 give. Fixed, not read live, so a seed replays
/// exactly the same inputs on any machine.
/// </summary>
internal static class FuzzSamples
{
    public const string Cpuinfo = 
        """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 26
        model		: 2
        model name	: AMD EPYC
        stepping	: 1
        cpu MHz		: 2096.000
        cache size	: 1024 KB
        physical id	: 0
        siblings	: 2
        core id		: 0
        cpu cores	: 2
        apicid		: 0
        initial apicid	: 0
        fpu		: yes
        fpu_exception	: yes
        cpuid level	: 13
        wp		: yes
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext lm constant_tsc rep_good nopl xtopology tsc_reliable nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cr8_legacy misalignsse 3dnowprefetch topoext pti        vmmcall bmi1 avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 avx_vnni avx512_bf16 clzero xsaveerptr arat avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq movdiri movdir64b fsrm avx512_vp2intersect
        bugs		: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass srso spectre_v2_user
        bogomips	: 4192.00
        TLB size	: 192 4K pages
        clflush size	: 64
        cache_alignment	: 64
        address sizes	: 48 bits physical, 48 bits virtual
        power management:

        processor	: 1
        vendor_id	: AuthenticAMD
        cpu family	: 26
        model		: 2
        model name	: AMD EPYC
        stepping	: 1
        cpu MHz		: 2096.000
        cache size	: 1024 KB
        physical id	: 0
        siblings	: 2
        core id		: 1
        cpu cores	: 2
        apicid		: 1
        initial apicid	: 1
        fpu		: yes
        fpu_exception	: yes
        cpuid level	: 13
        wp		: yes
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext lm constant_tsc rep_good nopl xtopology tsc_reliable nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cr8_legacy misalignsse 3dnowprefetch topoext pti        vmmcall bmi1 avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 avx_vnni avx512_bf16 clzero xsaveerptr arat avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq movdiri movdir64b fsrm avx512_vp2intersect
        bugs		: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass srso spectre_v2_user
        bogomips	: 4192.00
        TLB size	: 192 4K pages
        clflush size	: 64
        cache_alignment	: 64
        address sizes	: 48 bits physical, 48 bits virtual
        power management:
        """ + "\n";

    public const string Stat =
        """
        cpu  93064 1237 23103 32766 450 0 228 0 0 0
        cpu0 46552 499 10142 18130 31 0 82 0 0 0
        cpu1 46512 738 12961 14636 418 0 146 0 0 0
        intr 589665 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0  0 0 0
        ctxt 1743977
        btime 1796604538
        processes 16486
        procs_running 28
        procs_blocked 0
        softirq 364898 0 60038 4 14746 54666 0 5 56303 0 179136
        """ + "\n";

    public const string Meminfo =
        """
        MemTotal:       24683748 kB
        MemFree:        21125556 kB
        MemAvailable:   22775296 kB
        Buffers:           17156 kB
        Cached:          2197004 kB
        SwapCached:            0 kB
        Active:           729872 kB
        Inactive:        2491480 kB
        Active(anon):      44820 kB
        Inactive(anon):  1373344 kB
        Active(file):     685052 kB
        Inactive(file):  1118136 kB
        Unevictable:       19348 kB
        Mlocked:           16488 kB
        SwapTotal:             0 kB
        SwapFree:              0 kB
        Zswap:                 0 kB
        Zswapped:              0 kB
        Dirty:             32272 kB
        Writeback:             0 kB
        AnonPages:       1026748 kB
        Mapped:           582580 kB
        Shmem:            410856 kB
        KReclaimable:     132220 kB
        Slab:             170380 kB
        SReclaimable:     132220 kB
        SUnreclaim:        38160 kB
        KernelStack:        6224 kB
        PageTables:        14144 kB
        SecPageTables:         0 kB
        NFS_Unstable:          0 kB
        Bounce:                0 kB
        WritebackTmp:          0 kB
        CommitLimit:    12341872 kB
        Committed_AS:    3645516 kB
        VmallocTotal:   34359738367 kB
        VmallocUsed:       19004 kB
        VmallocChunk:          0 kB
        Percpu:              768 kB
        AnonHugePages:         0 kB
        ShmemHugePages:        0 kB
        ShmemPmdMapped:        0 kB
        FileHugePages:     34816 kB
        FilePmdMapped:         0 kB
        Balloon:               0 kB
        HugePages_Total:       0
        HugePages_Free:        0
        HugePages_Rsvd:        0
        HugePages_Surp:        0
        Hugepagesize:       2048 kB
        Hugetlb:               0 kB
        DirectMap4k:       32768 kB
        DirectMap2M:    25133056 kB
        """ + "\n";
    private const string WebId = "3f2a9c1e7b6d4a5f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f";
    private const string DbId = "9b0a1f3f2a9c1e7b6d4a5f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c";

    /// <summary>docker's GET /containers/json: a linked container (two names), labels, a Kubernetes pod, null labels.</summary>
    public const string DockerList = $$$$"""
        [{"Id":"{{{{WebId}}}}","Names":["/web","/db/web-alias"],"Image":"nginx:1.25","ImageID":"sha256:61395b4c586da2b9b3b7ca903ea6a448e6783dfdd7f768ff2c1a0f3360aaba99","Command":"/docker-entrypoint.sh nginx -g 'daemon off;'","Created":1717171717,"Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"}],"Labels":{"app":"web","tier":"front","maintainer":"NGINX Docker Maintainers <docker-maint@nginx.com>"},"State":"running","Status":"Up 3 hours","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"7ea29fc1412292a2d7bba362f9253545fecdfa8ce9a6e37dd10ba8bee7129812","EndpointID":"2cdc4edb1ded3631c81f57966563e5c8525b81121bb3706a9a9a3ae102711f3f","Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"02:42:ac:11:00:02","DriverOpts":null}}},"Mounts":[{"Type":"bind","Source":"/srv/web","Destination":"/usr/share/nginx/html","Mode":"ro","RW":false,"Propagation":"rprivate"}]},
         {"Id":"{{{{DbId}}}}","Names":["/db"],"Image":"docker.io/library/postgres:16@sha256:0123","ImageID":"sha256:1","Command":"postgres","Created":1717171000,"Ports":[],"Labels":null,"State":"running","Status":"Up 3 hours","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]},
         {"Id":"5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b","Names":["/k8s_nginx_shop-7d4_prod_0b8f5c3e_0"],"Image":"sha256:61395b4c586d","Labels":{"io.kubernetes.container.name":"nginx","io.kubernetes.pod.name":"shop-7d4","io.kubernetes.pod.namespace":"prod","io.kubernetes.pod.uid":"0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b"},"State":"running"}]
        """;

    /// <summary>podman's compatibility API answering the same path.</summary>
    public const string PodmanList = $$$$"""
        [{"Id":"{{{{DbId}}}}","Names":["/pweb"],"Image":"localhost/ctop-test/busybox:1","ImageID":"e7f0c2b6a5d4","Command":"sleep 1000000","Created":1717171717,"Ports":[],"Labels":{"app":"pweb","io.containers.autoupdate":"registry"},"State":"running","Status":"Up 2 minutes","NetworkSettings":{"Networks":{}},"Mounts":[],"Name":"","Config":null,"NetworkingConfig":null,"Platform":null,"AdjustCPUShares":false},
         {"Id":"{{{{WebId}}}}","Names":["/pdb"],"Image":"localhost/ctop-test/busybox:1","Labels":{},"State":"running"}]
        """;

    /// <summary>docker's own record of one container, DATA-ROOT/containers/ID/config.v2.json (abridged from docker 20.10's).</summary>
    public const string DockerConfigV2 = $$$$"""
        {"StreamConfig":{},"State":{"Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"RemovalInProgress":false,"Dead":false,"Pid":4242,"ExitCode":0,"Error":"","StartedAt":"2024-05-31T16:08:37.123456789Z","FinishedAt":"0001-01-01T00:00:00Z","Health":null},"ID":"{{{{WebId}}}}","Created":"2024-05-31T16:08:36.987654321Z","Managed":false,"Path":"/docker-entrypoint.sh","Args":["nginx","-g","daemon off;"],"Config":{"Hostname":"3f2a9c1e7b6d","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NGINX_VERSION=1.25.5"],"Cmd":["nginx","-g","daemon off;"],"Image":"nginx:1.25","Volumes":null,"WorkingDir":"","Entrypoint":["/docker-entrypoint.sh"],"OnBuild":null,"Labels":{"app":"web","tier":"front"},"StopSignal":"SIGQUIT"},"Image":"sha256:61395b4c586da2b9b3b7ca903ea6a448e6783dfdd7f768ff2c1a0f3360aaba99","NetworkSettings":{"Bridge":"","SandboxID":"","HairpinMode":false,"Networks":{"bridge":{"IPAddress":"172.17.0.2"}}},"LogPath":"/var/lib/docker/containers/{{{{WebId}}}}/{{{{WebId}}}}-json.log","Name":"/web","Driver":"overlay2","OS":"linux","MountLabel":"","ProcessLabel":"","RestartCount":0,"HasBeenStartedBefore":true,"HasBeenManuallyStopped":false,"MountPoints":{},"SecretReferences":null,"ConfigReferences":null,"AppArmorProfile":"docker-default","HostnamePath":"/var/lib/docker/containers/{{{{WebId}}}}/hostname","HostsPath":"/var/lib/docker/containers/{{{{WebId}}}}/hosts","ShmPath":"","ResolvConfPath":"/var/lib/docker/containers/{{{{WebId}}}}/resolv.conf","SeccompProfile":"","NoNewPrivileges":false,"LocalLogCacheMeta":{"HaveNotifyEnabled":false}}
        """;

    /// <summary>A stopped container's record: ctop skips it.</summary>
    public const string DockerConfigV2Stopped = $$$$"""
        {"State":{"Running":false,"Pid":0,"ExitCode":137},"ID":"{{{{DbId}}}}","Name":"/old","Config":{"Image":"busybox","Labels":null}}
        """;

    /// <summary>podman's storage record, STORAGE-ROOT/overlay-containers/containers.json: metadata is JSON in a string.</summary>
    public const string PodmanContainersJson = $$$$"""
        [{"id":"{{{{WebId}}}}","names":["pweb"],"image":"e7f0c2b6a5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8","layer":"0a1b2c3d4e5f","metadata":"{"image-name":"localhost/ctop-test/busybox:1","image-id":"e7f0c2b6a5d4","name":"pweb","created-at":1717171717,"mountlabel":""}","created":"2024-05-31T16:08:37.123456789Z","flags":{"MountLabel":"","ProcessLabel":""}},
         {"id":"{{{{DbId}}}}","names":[],"image":"e7f0","layer":"1b2c","metadata":"{"image-name":"quay.io/x/y:2","name":"pdb"}","created":"2024-05-31T16:08:38Z"},
         {"id":"77aa","names":["buildah-working"],"metadata":"not json (buildah)"}]
        """;

    /// <summary>The record `ctop run` keeps under /run/ctop/containers: header, then "INODE|- DIRECTORY" per hierarchy.</summary>
    public const string RunRecord =
        "ctop run 4242 1234567 /ctop/web\n" +
        "393231 /sys/fs/cgroup/cpu/ctop/web\n" +
        "393232 /sys/fs/cgroup/cpuacct/ctop/web\n" +
        "- /sys/fs/cgroup/memory/ctop/web\n" +
        "393240 /sys/fs/cgroup/pids/ctop/web\n";

    public const string RunRecordV2 = "ctop run 77 99 /ctop/batch/job-1\n1234 /sys/fs/cgroup/ctop/batch/job-1\n";

    /// <summary>The config file as docs/usage.md shows it, with comments and a trailing comma (both allowed).</summary>
    public const string Config = """
        {
          // how often the dashboard refreshes
          "refreshSeconds": 2,
          "colors": true,
          "view": "tree",
          "sort": "MEM%",
          "columns": ["CORES/LIM", "CPU%", "MEM/LIM", "MEM%", "NAME"],
          "processView": "flat",
          "processSort": "TIME+",
          "processColumns": null, /* all of them */
          "theme": {"accent": "cyan"},
        }
        """;
}

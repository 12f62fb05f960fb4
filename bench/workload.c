/*
 * workload: a cgroup tree of mostly idle processes for measuring ctop against other tools.
 *
 *   workload [-n PROCS] [-m CGROUPS] [-b BUSY] [-u DUTY%] [-t SECONDS] [-r READYFILE] [-p PREFIX]
 *
 * Makes /PREFIX-PID (default prefix ctop-test-wl) in every cgroup hierarchy that has cpu, cpuacct, memory or pids,
 * and in the cgroup2 tree, with CGROUPS cgroups below it: one slice per ten, the rest leaves spread over the slices.
 * Leaves get varied limits (CPU quotas 0.1-0.8 cores or none, memory 64M-1G or none, some pids.max); every other
 * slice has 1.5 cores and 2G. PROCS processes are spread over the leaves: each leaf gets one spawner, moved there
 * before it forks the leaf's other processes (so they start in the leaf: one cgroup write per hierarchy per leaf,
 * not per process). They sleep in pause(); BUSY of them (default 4) spin for DUTY% (default 5) of every 100 ms.
 *
 * Runs until SIGINT, SIGTERM or SIGHUP (or SECONDS), then kills every process it made, waits for all of them
 * (it is their subreaper, and each has SIGKILL as its parent-death signal) and removes every cgroup it made,
 * deepest first. When READYFILE is given, "PID CGROUPPATH PROCS CGROUPS" is written to it once all processes run.
 * Only for hosts where you may create cgroups (root). Exit 0 on a clean removal, 1 on an error, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_HIER 8

struct hier {
    char mount[256];
    int v2;
    int cpu, memory, pids; /* controllers usable for limits in this hierarchy */
};

static struct hier hiers[MAX_HIER];
static int nhier;
static char base[128];            /* "/ctop-test-wl-PID" */
static int nslices, nleaves;
static pid_t *spawners;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("workload: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int has_word(const char *list, const char *word)
{
    size_t w = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += w)
        if ((p == list || p[-1] == ',' || p[-1] == ' ') && (p[w] == ',' || p[w] == ' ' || p[w] == '\n' || p[w] == 0)) return 1;
    return 0;
}

/* The hierarchies to populate, from mountinfo: v1 mounts holding cpu, cpuacct, memory or pids, and the cgroup2 mount. */
static void discover(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return;
    char line[4096];
    while (fgets(line, sizeof line, f) && nhier < MAX_HIER) {
        char root[1024], mnt[1024];
        if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2) continue;
        char *dash = strstr(line, " - ");
        if (!dash) continue;
        char fstype[64], source[256], super[1024] = "";
        if (sscanf(dash + 3, "%63s %255s %1023s", fstype, source, super) < 2) continue;
        if (strcmp(root, "/") != 0 || strlen(mnt) >= sizeof hiers[0].mount) continue;
        struct hier h = {0};
        snprintf(h.mount, sizeof h.mount, "%s", mnt);
        if (strcmp(fstype, "cgroup2") == 0) {
            char path[300], ctl[512] = "";
            snprintf(path, sizeof path, "%s/cgroup.controllers", mnt);
            FILE *c = fopen(path, "re");
            if (c) { if (!fgets(ctl, sizeof ctl, c)) ctl[0] = 0; fclose(c); }
            h.v2 = 1;
            h.cpu = has_word(ctl, "cpu");
            h.memory = has_word(ctl, "memory");
            h.pids = has_word(ctl, "pids");
        } else if (strcmp(fstype, "cgroup") == 0) {
            int cpu = has_word(super, "cpu"), acct = has_word(super, "cpuacct");
            h.memory = has_word(super, "memory");
            h.pids = has_word(super, "pids");
            h.cpu = cpu;
            if (!cpu && !acct && !h.memory && !h.pids) continue;
        } else continue;
        hiers[nhier++] = h;
    }
    fclose(f);
}

static void cg_path(char *out, size_t size, const struct hier *h, int slice, int leaf)
{
    if (slice < 0) snprintf(out, size, "%s%s", h->mount, base);
    else if (leaf < 0) snprintf(out, size, "%s%s/s%02d", h->mount, base, slice);
    else snprintf(out, size, "%s%s/s%02d/g%03d", h->mount, base, slice, leaf);
}

static int slice_of(int leaf) { return leaf % nslices; }

/* Limits: writes failing (a controller the kernel refuses here) are reported and skipped, the tree is still usable. */
static void set_limit(const struct hier *h, const char *dir, const char *v1file, const char *v2file, const char *value)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, h->v2 ? v2file : v1file);
    if (write_file(path, value) != 0) die("%s: %s (limit %s not set)", path, strerror(errno), value);
}

static void limits(const struct hier *h, const char *dir, long cpu_ms, long mem_mb, long pids)
{
    char v[64];
    if (h->cpu && cpu_ms > 0) {
        if (h->v2) snprintf(v, sizeof v, "%ld 100000", cpu_ms * 1000);
        else snprintf(v, sizeof v, "%ld", cpu_ms * 1000);
        set_limit(h, dir, "cpu.cfs_quota_us", "cpu.max", v);
    }
    if (h->memory && mem_mb > 0) {
        snprintf(v, sizeof v, "%ld", mem_mb << 20);
        set_limit(h, dir, "memory.limit_in_bytes", "memory.max", v);
    }
    if (h->pids && pids > 0) {
        snprintf(v, sizeof v, "%ld", pids);
        set_limit(h, dir, "pids.max", "pids.max", v);
    }
}

static void enable_subtree(const struct hier *h, const char *dir)
{
    if (!h->v2) return;
    char path[4200], want[64] = "";
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
    if (h->cpu) strcat(want, "+cpu ");
    if (h->memory) strcat(want, "+memory ");
    if (h->pids) strcat(want, "+pids ");
    if (want[0] && write_file(path, want) != 0) die("%s: %s", path, strerror(errno));
}

static int per_leaf(int leaf, int procs) { return procs / nleaves + (leaf < procs % nleaves ? 1 : 0); }

static int make_tree(int procs)
{
    char dir[4200];
    for (int i = 0; i < nhier; i++) {
        const struct hier *h = &hiers[i];
        cg_path(dir, sizeof dir, h, -1, -1);
        if (mkdir(dir, 0755) != 0) { die("mkdir %s: %s", dir, strerror(errno)); return -1; }
        enable_subtree(h, dir);
        for (int s = 0; s < nslices; s++) {
            cg_path(dir, sizeof dir, h, s, -1);
            if (mkdir(dir, 0755) != 0) { die("mkdir %s: %s", dir, strerror(errno)); return -1; }
            enable_subtree(h, dir);
            if (s % 2 == 1) limits(h, dir, 150, 2048, 0);
        }
        for (int g = 0; g < nleaves; g++) {
            cg_path(dir, sizeof dir, h, slice_of(g), g);
            if (mkdir(dir, 0755) != 0) { die("mkdir %s: %s", dir, strerror(errno)); return -1; }
            limits(h, dir, g % 4 == 0 ? 0 : (g % 8 + 1) * 10, g % 3 == 0 ? 0 : 64L << (g % 5), g % 5 == 0 ? per_leaf(g, procs) + 16 : 0);
        }
    }
    return 0;
}

static void remove_tree(void)
{
    char dir[4200];
    for (int i = 0; i < nhier; i++) {
        const struct hier *h = &hiers[i];
        for (int g = 0; g < nleaves; g++) { cg_path(dir, sizeof dir, h, slice_of(g), g); rmdir(dir); }
        for (int s = 0; s < nslices; s++) { cg_path(dir, sizeof dir, h, s, -1); rmdir(dir); }
        cg_path(dir, sizeof dir, h, -1, -1);
        /* A cgroup whose last task just died can stay busy for a moment while the kernel offlines it. */
        for (int tries = 0; rmdir(dir) != 0 && errno != ENOENT && tries < 50; tries++) {
            for (int g = 0; g < nleaves; g++) { char d[4200]; cg_path(d, sizeof d, h, slice_of(g), g); rmdir(d); }
            for (int s = 0; s < nslices; s++) { char d[4200]; cg_path(d, sizeof d, h, s, -1); rmdir(d); }
            usleep(100000);
        }
    }
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A child of the spawner (or the spawner itself, once done): dies with its parent, then idles or spins. */
static void __attribute__((noreturn)) live(int busy, int duty, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    prctl(PR_SET_NAME, busy ? "wl-busy" : "wl-idle");
    if (!busy) for (;;) pause();
    for (;;) {
        double start = now_ms();
        while (now_ms() - start < duty) { }
        usleep((useconds_t)((100 - duty) * 1000));
    }
}

/* The leaf's spawner: waits until it has been moved into the leaf, forks the leaf's processes, then idles too. */
static void __attribute__((noreturn)) spawner(int rfd, int wfd, int count, int busy, int duty, pid_t main_pid)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != main_pid) _exit(0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    char c;
    if (read(rfd, &c, 1) != 1) _exit(1);
    close(rfd);
    pid_t me = getpid();
    for (int i = 1; i < count; i++) {
        pid_t p = fork();
        if (p == 0) live(i <= busy, duty, me);
        if (p < 0) { perror("workload: fork"); break; }
    }
    if (write(wfd, "r", 1) != 1) _exit(1);
    close(wfd);
    live(busy > 0 && count == 1, duty, main_pid);
}

static void usage(void)
{
    fprintf(stderr, "usage: workload [-n PROCS] [-m CGROUPS] [-b BUSY] [-u DUTY%%] [-t SECONDS] [-r READYFILE] [-p PREFIX]\n"
                    "  -n processes (default 2000)   -m cgroups incl. one slice per ten (default 200, at least 2)\n"
                    "  -b busy processes (default 4) -u their duty cycle in %% of 100 ms (default 5)\n"
                    "  -t exit after SECONDS         -r write 'PID PATH PROCS CGROUPS' here when ready\n"
                    "  -p cgroup name prefix (must start with ctop-test-; default ctop-test-wl)\n");
}

int main(int argc, char **argv)
{
    long procs = 2000, cgroups = 200, busy = 4, duty = 5, seconds = 0;
    const char *ready = NULL, *prefix = "ctop-test-wl";
    int opt;
    while ((opt = getopt(argc, argv, "n:m:b:u:t:r:p:h")) != -1) {
        char *end = NULL;
        long v = optarg ? strtol(optarg, &end, 10) : 0;
        int numeric = optarg && end && *end == 0 && end != optarg;
        switch (opt) {
        case 'n': if (!numeric || v < 1 || v > 30000) { die("-n: 1..30000 processes"); return 2; } procs = v; break;
        case 'm': if (!numeric || v < 2 || v > 10000) { die("-m: 2..10000 cgroups"); return 2; } cgroups = v; break;
        case 'b': if (!numeric || v < 0) { die("-b: a count >= 0"); return 2; } busy = v; break;
        case 'u': if (!numeric || v < 1 || v > 100) { die("-u: 1..100 (%%)"); return 2; } duty = v; break;
        case 't': if (!numeric || v < 1) { die("-t: seconds >= 1"); return 2; } seconds = v; break;
        case 'r': ready = optarg; break;
        case 'p': if (strncmp(optarg, "ctop-test-", 10) != 0 || strchr(optarg, '/')) { die("-p must start with ctop-test- and hold no '/'"); return 2; } prefix = optarg; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (optind < argc) { usage(); return 2; }
    nslices = (int)((cgroups + 9) / 10);
    nleaves = (int)cgroups - nslices;
    if (nleaves < 1) { nslices = 1; nleaves = (int)cgroups - 1; }
    if (busy > nleaves) busy = nleaves;
    if (procs < nleaves) { die("-n %ld is fewer than the %d leaf cgroups", procs, nleaves); return 2; }

    discover();
    if (nhier == 0) { die("no cgroup hierarchy with cpu, memory or pids found"); return 1; }
    pid_t main_pid = getpid();
    snprintf(base, sizeof base, "/%s-%d", prefix, (int)main_pid);

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (seconds) sigaction(SIGALRM, &sa, NULL);
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    int rc = 0;
    spawners = calloc((size_t)nleaves, sizeof *spawners);
    double t0 = now_ms();
    if (make_tree((int)procs) != 0) { rc = 1; goto cleanup; }

    /* Busy processes go to leaves spread over the tree: leaf k * nleaves / busy. */
    int done[2];
    if (pipe2(done, O_CLOEXEC) != 0) { rc = 1; goto cleanup; }
    for (int g = 0; g < nleaves && !stop; g++) {
        int go[2];
        if (pipe2(go, O_CLOEXEC) != 0) { rc = 1; break; }
        int leaf_busy = 0;
        for (long k = 0; k < busy; k++) if (k * nleaves / busy == g) leaf_busy++;
        pid_t p = fork();
        if (p == 0) { close(go[1]); close(done[0]); spawner(go[0], done[1], per_leaf(g, (int)procs), leaf_busy, (int)duty, main_pid); }
        close(go[0]);
        if (p < 0) { perror("workload: fork"); close(go[1]); rc = 1; break; }
        spawners[g] = p;
        char pidtext[32], path[4400], dir[4200];
        snprintf(pidtext, sizeof pidtext, "%d", (int)p);
        for (int i = 0; i < nhier; i++) {
            cg_path(dir, sizeof dir, &hiers[i], slice_of(g), g);
            snprintf(path, sizeof path, "%s/cgroup.procs", dir);
            if (write_file(path, pidtext) != 0) { die("%s: %s", path, strerror(errno)); rc = 1; }
        }
        if (write(go[1], "g", 1) != 1) rc = 1;
        close(go[1]);
        if (rc) break;
    }
    close(done[1]);
    if (!rc && !stop) {
        /* Each spawner says once its processes are forked; a spawner that died closes its end instead. */
        char c;
        int got = 0;
        while (got < nleaves && read(done[0], &c, 1) == 1) got++;
        if (got < nleaves) { die("only %d of %d leaves started", got, nleaves); rc = 1; }
    }
    close(done[0]);
    if (!rc && !stop) {
        fprintf(stderr, "workload: %ld processes (%ld busy at %ld%%) in %ld cgroups under %s in %d hierarchies, started in %.0f ms\n",
                procs, busy, duty, cgroups, base, nhier, now_ms() - t0);
        if (ready) {
            char tmp[4200];
            snprintf(tmp, sizeof tmp, "%s.tmp", ready);
            FILE *f = fopen(tmp, "we");
            if (f) { fprintf(f, "%d %s %ld %ld\n", (int)main_pid, base, procs, cgroups); fclose(f); rename(tmp, ready); }
        }
        if (seconds) alarm((unsigned)seconds);
        sigset_t none;
        sigemptyset(&none);
        while (!stop) {
            /* Reap whatever exits meanwhile (an OOM-killed sleeper, say); wait for a signal otherwise. */
            while (waitpid(-1, NULL, WNOHANG) > 0) { }
            sigsuspend(&none);
        }
    }

cleanup:
    for (int g = 0; g < nleaves; g++) if (spawners[g] > 0) kill(spawners[g], SIGKILL);
    /* Their children die with them (PDEATHSIG) and are re-parented to us as subreaper: wait until none is left. */
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) { }
    remove_tree();
    char dir[4200];
    for (int i = 0; i < nhier; i++) {
        cg_path(dir, sizeof dir, &hiers[i], -1, -1);
        struct stat st;
        if (stat(dir, &st) == 0) { die("could not remove %s", dir); rc = 1; }
    }
    if (ready) unlink(ready);
    return rc;
}

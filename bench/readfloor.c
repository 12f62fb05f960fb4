/*
 * readfloor: the least a cgroup-aware top must do per refresh, as a yardstick for ctop's own cost.
 *
 *   readfloor [-d SECONDS] [-n TICKS]
 *
 * Every SECONDS (default 1, on a fixed grid) it lists /proc and reads every /proc/PID/stat, and walks the cgroup
 * hierarchies holding cpu, cpuacct and memory, reading in each cgroup the files that give CPU usage, quota and
 * throttling and memory usage, limit and working set (v1: cpu.cfs_quota_us, cpu.cfs_period_us, cpu.stat,
 * cpuacct.usage, memory.usage_in_bytes, memory.limit_in_bytes, memory.stat; v2: cpu.max, cpu.stat, memory.current,
 * memory.max, memory.stat). It parses only utime and stime from stat (so the reads cannot be skipped) and nothing
 * else: no per-process facts, no output, no terminal. After TICKS refreshes, or on SIGINT/SIGTERM, it prints one line:
 *   readfloor: TICKS ticks, F files per tick (P stat, C cgroup files in G cgroups), reads per tick median M ms, mean A ms
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HIER 8
#define MAX_TICKS 100000

static const char *const v1cpu[] = { "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.stat", NULL };
static const char *const v1acct[] = { "cpuacct.usage", NULL };
static const char *const v1mem[] = { "memory.usage_in_bytes", "memory.limit_in_bytes", "memory.stat", NULL };
static const char *const v2all[] = { "cpu.max", "cpu.stat", "memory.current", "memory.max", "memory.stat", NULL };
static const char *const none[] = { NULL };

struct hier { char mount[256]; const char *const *files; const char *const *files2; };

static struct hier hiers[MAX_HIER];
static int nhier;
static char buf[1 << 16];
static volatile unsigned long long sink;
static volatile sig_atomic_t stop;
static long files, stats, cgfiles, cgroups;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int has_word(const char *list, const char *word)
{
    size_t w = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += w)
        if ((p == list || p[-1] == ',' || p[-1] == ' ') && (p[w] == ',' || p[w] == ' ' || p[w] == '\n' || p[w] == 0)) return 1;
    return 0;
}

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
        struct hier h = { .files = none, .files2 = none };
        snprintf(h.mount, sizeof h.mount, "%s", mnt);
        if (strcmp(fstype, "cgroup2") == 0) {
            char path[300], ctl[512] = "";
            snprintf(path, sizeof path, "%s/cgroup.controllers", mnt);
            FILE *c = fopen(path, "re");
            if (c) { if (!fgets(ctl, sizeof ctl, c)) ctl[0] = 0; fclose(c); }
            /* A controller-less cgroup2 tree (a hybrid host's) holds none of these files. */
            if (!has_word(ctl, "cpu") && !has_word(ctl, "memory")) continue;
            h.files = v2all;
        } else if (strcmp(fstype, "cgroup") == 0) {
            if (has_word(super, "cpu")) h.files = v1cpu;
            if (has_word(super, "cpuacct")) h.files2 = v1acct;
            if (has_word(super, "memory")) h.files = v1mem;
            if (h.files == none && h.files2 == none) continue;
        } else continue;
        hiers[nhier++] = h;
    }
    fclose(f);
}

static ssize_t read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t total = 0, n;
    while ((n = read(fd, buf + total, sizeof buf - 1 - (size_t)total)) > 0) total += n;
    close(fd);
    files++;
    buf[total] = 0;
    return total;
}

static void read_files(char *path, size_t len, const char *const *list)
{
    for (int i = 0; list[i]; i++) {
        snprintf(path + len, 4096 - len, "/%s", list[i]);
        ssize_t n = read_file(path);
        if (n > 0) { sink += (unsigned char)buf[0]; cgfiles++; }
    }
}

static void walk(char *path, size_t len, const struct hier *h, int count)
{
    if (count) cgroups++;
    read_files(path, len, h->files);
    read_files(path, len, h->files2);
    path[len] = 0;
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        size_t l = len + 1 + strlen(e->d_name);
        if (l >= 4000) continue;
        path[len] = '/';
        strcpy(path + len + 1, e->d_name);
        walk(path, l, h, count);
        path[len] = 0;
    }
    closedir(d);
}

/* utime + stime: fields 14 and 15, counted after the last ')' (comm may hold spaces and parentheses). */
static unsigned long long cpu_ticks(const char *s)
{
    const char *p = strrchr(s, ')');
    if (!p) return 0;
    int field = 2;
    unsigned long long sum = 0;
    for (; *p && field < 15; p++)
        if (*p == ' ') {
            field++;
            if (field >= 14) sum += strtoull(p + 1, NULL, 10);
        }
    return sum;
}

static void tick(void)
{
    DIR *d = opendir("/proc");
    if (d) {
        struct dirent *e;
        char path[300];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            if (read_file(path) > 0) { sink += cpu_ticks(buf); stats++; }
        }
        closedir(d);
    }
    char path[4096];
    for (int i = 0; i < nhier; i++) {
        size_t len = strlen(hiers[i].mount);
        memcpy(path, hiers[i].mount, len + 1);
        /* Cgroups are counted in the first hierarchy only: the others hold the same tree. */
        walk(path, len, &hiers[i], i == 0);
    }
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    double interval = 1;
    long max_ticks = 0;
    int opt;
    while ((opt = getopt(argc, argv, "d:n:h")) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'd': interval = strtod(optarg, &end); if (*end || interval < 0.01) { fputs("readfloor: -d SECONDS >= 0.01\n", stderr); return 2; } break;
        case 'n': max_ticks = strtol(optarg, &end, 10); if (*end || max_ticks < 1) { fputs("readfloor: -n TICKS >= 1\n", stderr); return 2; } break;
        case 'h': puts("usage: readfloor [-d SECONDS] [-n TICKS]"); return 0;
        default: fputs("usage: readfloor [-d SECONDS] [-n TICKS]\n", stderr); return 2;
        }
    }
    if (optind < argc) { fputs("usage: readfloor [-d SECONDS] [-n TICKS]\n", stderr); return 2; }
    discover();
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    static double took[MAX_TICKS];
    long n = 0;
    long last_files = 0, last_stats = 0, last_cg = 0, last_cgroups = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stop && (max_ticks == 0 || n < max_ticks) && n < MAX_TICKS) {
        files = stats = cgfiles = cgroups = 0;
        double t0 = now_ms();
        tick();
        took[n++] = now_ms() - t0;
        last_files = files; last_stats = stats; last_cg = cgfiles; last_cgroups = cgroups;
        if (max_ticks && n >= max_ticks) break;
        long ns = next.tv_nsec + (long)(interval * 1e9);
        next.tv_sec += ns / 1000000000L;
        next.tv_nsec = ns % 1000000000L;
        while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) { }
    }
    double sum = 0;
    for (long i = 0; i < n; i++) sum += took[i];
    qsort(took, (size_t)n, sizeof took[0], cmp);
    printf("readfloor: %ld ticks, %ld files per tick (%ld stat, %ld cgroup files in %ld cgroups), reads per tick median %.1f ms, mean %.1f ms\n",
           n, last_files, last_stats, last_cg, last_cgroups, n ? took[n / 2] : 0.0, n ? sum / n : 0.0);
    return 0;
}

// bpfload: loads eBPF programs into the running kernel through libbpf and prints one JSON object per
// program (verdict, errno, the verifier's last message, processed instruction count, trimmed log).
// A recording tool for the test corpora: it never attaches anything, it only asks the verifier.
//
//   bpfload object FILE.o [PROGRAM]      every program of an ELF object (or one), each loaded alone
//   bpfload raw FILE.bin PROG_TYPE NAME  raw instructions (8-byte slots) loaded with bpf_prog_load
//   bpfload probe                        can this process load a trivial socket filter at all?
// Options (before the mode): --log-level N (default 1), --log-lines N (log tail kept, default 80).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_SIZE (64u << 20)

static char *kernel_log;
static char libbpf_log[16384];
static size_t libbpf_log_len;
static int log_level = 1;
static int log_lines = 80;
static int log_truncated; // set when the kernel ran out of log space (ENOSPC) and the load was repeated

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  if (libbpf_log_len < sizeof(libbpf_log) - 1) {
    int n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
    if (n > 0) libbpf_log_len += (size_t)n;
    if (libbpf_log_len >= sizeof(libbpf_log)) libbpf_log_len = sizeof(libbpf_log) - 1;
  }
  return 0;
}

static void json_string(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c == '\n') fputs("\\n", stdout);
    else if (c == '\t') fputs("\\t", stdout);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

// Lines the kernel appends after the verdict; the message we want is the last line before them.
static int is_trailer(const char *line, size_t len) {
  static const char *prefixes[] = {"processed ", "verification time", "stack depth", "-- END PROG LOAD LOG --",
                                   "mark_precise", "Func#", "cur state:", "old state:", NULL};
  if (len == 0) return 1;
  for (int i = 0; prefixes[i]; i++)
    if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0) return 1;
  return 0;
}

// Start of a statistics line ("verification time N usec" or "processed N insns (limit") glued to
// the end of a message that lacks its newline, or NULL.
static const char *glued_stats(const char *line, const char *end) {
  for (const char *p = line + 1; p + 18 < end; p++) {
    if (strncmp(p, "verification time ", 18) == 0) return p;
    if (strncmp(p, "processed ", 10) != 0) continue;
    const char *q = p + 10;
    while (q < end && *q >= '0' && *q <= '9') q++;
    if (q > p + 10 && strncmp(q, " insns (limit", 13) == 0) return p;
  }
  return NULL;
}

static void kernel_message(const char *log, char *out, size_t out_size) {
  out[0] = 0;
  const char *end = log + strlen(log);
  while (end > log) {
    const char *line_end = end;
    while (line_end > log && line_end[-1] == '\n') line_end--;
    const char *line = line_end;
    while (line > log && line[-1] != '\n') line--;
    size_t len = (size_t)(line_end - line);
    if (!is_trailer(line, len)) {
      // Some kernel messages lack their newline, so the statistics line is glued to them.
      const char *glued = glued_stats(line, line_end);
      if (glued) len = (size_t)(glued - line);
      if (len >= out_size) len = out_size - 1;
      memcpy(out, line, len);
      out[len] = 0;
      return;
    }
    end = line;
  }
}

static long processed_insns(const char *log) {
  const char *p = NULL, *q = log;
  while ((q = strstr(q, "processed ")) != NULL) { p = q; q += 10; }
  if (!p) return -1;
  char *after;
  long n = strtol(p + 10, &after, 10);
  return strncmp(after, " insns", 6) == 0 ? n : -1;
}

static const char *log_tail(const char *log) {
  int lines = 0;
  const char *p = log + strlen(log);
  while (p > log) {
    if (p[-1] == '\n' && p != log + strlen(log) && ++lines > log_lines) break;
    p--;
  }
  return p;
}

static void report(const char *file, const char *program, const char *section, const char *type, int err,
                   int insn_cnt) {
  char message[512];
  kernel_message(kernel_log, message, sizeof(message));
  printf("{\"file\":");
  json_string(file);
  printf(",\"program\":");
  json_string(program);
  if (section) { printf(",\"section\":"); json_string(section); }
  printf(",\"progType\":");
  json_string(type);
  printf(",\"insns\":%d,\"accepted\":%s,\"errno\":%d,\"kernelMessage\":", insn_cnt, err ? "false" : "true", err);
  json_string(err ? message : "");
  printf(",\"insnsProcessed\":");
  long processed = processed_insns(kernel_log);
  if (processed >= 0) printf("%ld", processed); else printf("null");
  printf(",\"logTruncated\":%s", log_truncated || strlen(kernel_log) >= LOG_SIZE - 1 ? "true" : "false");
  printf(",\"log\":");
  json_string(log_tail(kernel_log));
  printf(",\"libbpfLog\":");
  json_string(libbpf_log);
  printf("}\n");
  fflush(stdout);
}

static int load_one_program(const char *path, const char *wanted) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) {
    kernel_log[0] = 0;
    report(path, wanted ? wanted : "", NULL, "", errno, 0);
    return 1;
  }
  struct bpf_program *prog, *target = NULL;
  bpf_object__for_each_program(prog, obj) {
    int is_target = strcmp(bpf_program__name(prog), wanted) == 0;
    bpf_program__set_autoload(prog, is_target);
    if (is_target) target = prog;
  }
  if (!target) { bpf_object__close(obj); return 1; }
  kernel_log[0] = 0;
  libbpf_log_len = 0;
  libbpf_log[0] = 0;
  bpf_program__set_log_buf(target, kernel_log, LOG_SIZE);
  bpf_program__set_log_level(target, log_level);
  int err = bpf_object__load(obj);
  if (err < 0) err = -err;
  log_truncated = 0;
  if (err == ENOSPC) {
    // The log did not fit (a path of ~1M instructions at level 1): the kernel then answers ENOSPC
    // whatever its verdict. Keep the log tail we got and ask again without a log for the real errno.
    log_truncated = 1;
    struct bpf_object *again = bpf_object__open_file(path, NULL);
    if (again) {
      bpf_object__for_each_program(prog, again)
        bpf_program__set_autoload(prog, strcmp(bpf_program__name(prog), wanted) == 0);
      err = bpf_object__load(again);
      if (err < 0) err = -err;
      bpf_object__close(again);
    }
  }
  const char *type = libbpf_bpf_prog_type_str(bpf_program__type(target));
  report(path, bpf_program__name(target), bpf_program__section_name(target), type ? type : "", err,
         (int)bpf_program__insn_cnt(target));
  bpf_object__close(obj);
  return 0;
}

static char *whole_logs[256];

// Name of the program libbpf blames in its log ("prog 'NAME': failed to load"), or 0 when none.
static int blamed_program(char *name, size_t size) {
  const char *p = strstr(libbpf_log, "': failed to load");
  if (!p) return 0;
  const char *q = p;
  while (q > libbpf_log && q[-1] != '\'') q--;
  if (q == libbpf_log || (size_t)(p - q) >= size) return 0;
  memcpy(name, q, (size_t)(p - q));
  name[p - q] = 0;
  return 1;
}

// Loads the object with every program not yet refused; on a refusal blamed on one program, reports
// that program, drops it and tries again with the rest. Marks in `reported` who got a verdict.
static void load_whole_object(const char *path, char (*names)[128], int count, int *reported) {
  int refused[256] = {0};
  for (int attempt = 0; attempt <= count; attempt++) {
    struct bpf_object *obj = bpf_object__open_file(path, NULL);
    if (!obj) return;
    struct bpf_program *prog;
    int i = 0;
    bpf_object__for_each_program(prog, obj) {
      if (i >= 256) break;
      if (!whole_logs[i]) whole_logs[i] = malloc(LOG_SIZE / 16);
      if (!whole_logs[i]) { bpf_object__close(obj); return; }
      whole_logs[i][0] = 0;
      bpf_program__set_autoload(prog, !refused[i]);
      bpf_program__set_log_buf(prog, whole_logs[i], LOG_SIZE / 16);
      bpf_program__set_log_level(prog, log_level);
      i++;
    }
    libbpf_log_len = 0;
    libbpf_log[0] = 0;
    int err = bpf_object__load(obj);
    char blamed[128];
    int culprit = -1;
    if (err && err != -ENOSPC && blamed_program(blamed, sizeof(blamed)))
      for (int k = 0; k < count; k++)
        if (!refused[k] && strcmp(names[k], blamed) == 0) culprit = k;
    i = 0;
    bpf_object__for_each_program(prog, obj) {
      if ((err == 0 && !refused[i]) || i == culprit) {
        snprintf(kernel_log, LOG_SIZE, "%s", whole_logs[i]);
        const char *type = libbpf_bpf_prog_type_str(bpf_program__type(prog));
        report(path, bpf_program__name(prog), bpf_program__section_name(prog), type ? type : "", err < 0 ? -err : err,
               (int)bpf_program__insn_cnt(prog));
        reported[i] = 1;
      }
      i++;
    }
    bpf_object__close(obj);
    if (err == 0 || culprit < 0) return; // done, or nobody to blame: the caller goes one by one
    refused[culprit] = 1;
  }
}

static int load_object(const char *path, const char *only) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) {
    int err = errno;
    kernel_log[0] = 0;
    report(path, only ? only : "", NULL, "", err, 0);
    return 0;
  }
  // Names first: each program is loaded from a fresh open so one refusal cannot hide another verdict.
  char names[256][128];
  int count = 0;
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    if (count < 256 && (!only || strcmp(bpf_program__name(prog), only) == 0))
      snprintf(names[count++], sizeof(names[0]), "%s", bpf_program__name(prog));
  }
  bpf_object__close(obj);
  // The whole object first (prog arrays initialised from the object need every program loaded);
  // one by one only when that fails, so each refusal gets its own verdict and log.
  int reported[256] = {0};
  if (!only && count > 0) load_whole_object(path, names, count, reported);
  for (int i = 0; i < count; i++)
    if (!reported[i]) load_one_program(path, names[i]);
  return 0;
}

static int prog_type_from_name(const char *name) {
  for (int t = 0; t < 64; t++) {
    const char *s = libbpf_bpf_prog_type_str((enum bpf_prog_type)t);
    if (s && strcmp(s, name) == 0) return t;
  }
  return -1;
}

static int load_raw(const char *path, const char *type_name, const char *name) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); return 2; }
  static struct bpf_insn insns[1 << 20];
  size_t cnt = fread(insns, sizeof(insns[0]), sizeof(insns) / sizeof(insns[0]), f);
  fclose(f);
  int type = prog_type_from_name(type_name);
  if (type < 0) { fprintf(stderr, "unknown program type %s\n", type_name); return 2; }
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = kernel_log, .log_size = LOG_SIZE, .log_level = log_level);
  if (type == BPF_PROG_TYPE_SYSCALL) opts.prog_flags = BPF_F_SLEEPABLE;
  kernel_log[0] = 0;
  libbpf_log_len = 0;
  libbpf_log[0] = 0;
  int fd = bpf_prog_load((enum bpf_prog_type)type, name, "GPL", insns, cnt, &opts);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  log_truncated = 0;
  if (err == ENOSPC) { // see load_one_program
    log_truncated = 1;
    LIBBPF_OPTS(bpf_prog_load_opts, quiet, .prog_flags = opts.prog_flags);
    fd = bpf_prog_load((enum bpf_prog_type)type, name, "GPL", insns, cnt, &quiet);
    err = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
  }
  report(path, name, NULL, type_name, err, (int)cnt);
  return 0;
}

static int probe(void) {
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", insns, 2, NULL);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  printf("{\"canLoad\":%s,\"errno\":%d,\"libbpf\":\"%s\"}\n", err ? "false" : "true", err, libbpf_version_string());
  return 0;
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--log-level") == 0) log_level = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--log-lines") == 0) log_lines = atoi(argv[i + 1]);
    else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  if (i >= argc) goto usage;
  kernel_log = calloc(1, LOG_SIZE);
  if (!kernel_log) return 2;
  libbpf_set_print(capture_libbpf);
  if (strcmp(argv[i], "object") == 0 && i + 1 < argc) return load_object(argv[i + 1], i + 2 < argc ? argv[i + 2] : NULL);
  if (strcmp(argv[i], "raw") == 0 && i + 3 < argc) return load_raw(argv[i + 1], argv[i + 2], argv[i + 3]);
  if (strcmp(argv[i], "probe") == 0) return probe();
usage:
  fprintf(stderr, "usage: bpfload [--log-level N] [--log-lines N] object FILE.o [PROG] | raw FILE.bin TYPE NAME | probe\n");
  return 2;
}

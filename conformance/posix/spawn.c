/* Processes without fork: posix_spawn/posix_spawnp with file actions (adddup2, addclose,
 * addopen), fds inherited under the same numbers unless FD_CLOEXEC, dup2 onto 0/1 then
 * spawn, waitpid (WNOHANG, WIFEXITED/WEXITSTATUS, ECHILD), popen/pclose both directions
 * with exit codes, system. */
#define _GNU_SOURCE /* pipe2 in glibc */
#include "posix_util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- roles ------------------------------------------------------------------------------ */

static int role_exit_with(int argc, char **argv) { return argc > 0 ? atoi(argv[0]) : 99; }

static int role_hello(int argc, char **argv) {
  static const char msg[] = "hello from child\n";
  if (write(1, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1))
    return 98;
  return argc > 0 ? atoi(argv[0]) : 0;
}

/* Reads fd 0 to EOF; exits with the byte count modulo 256. */
static int role_count_stdin(int argc, char **argv) {
  char buf[512];
  size_t total = 0;
  ssize_t r;
  (void)argc;
  (void)argv;
  while ((r = read(0, buf, sizeof buf)) > 0)
    total += (size_t)r;
  return r < 0 ? 97 : (int)(total % 256);
}

/* Exit 0 if fd argv[0] is open, 1 if it is not (EBADF), 2 otherwise. */
static int role_check_fd(int argc, char **argv) {
  if (argc < 1)
    return 3;
  if (fcntl(atoi(argv[0]), F_GETFD) >= 0)
    return 0;
  return errno == EBADF ? 1 : 2;
}

/* Writes argv[1] to fd argv[0]. */
static int role_write_fd(int argc, char **argv) {
  if (argc < 2)
    return 3;
  return write(atoi(argv[0]), argv[1], strlen(argv[1])) == (ssize_t)strlen(argv[1]) ? 0 : 4;
}

/* stdin -> upper case -> stdout. */
static int role_upper(int argc, char **argv) {
  char buf[256];
  ssize_t r, i;
  (void)argc;
  (void)argv;
  while ((r = read(0, buf, sizeof buf)) > 0) {
    for (i = 0; i < r; ++i)
      buf[i] = (char)toupper((unsigned char)buf[i]);
    if (write(1, buf, (size_t)r) != r)
      return 4;
  }
  return r < 0 ? 5 : 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void spawn_exit_code_through_waitpid(void **state) {
  pid_t pid;
  int status;
  (void)state;
  pid = conf_spawn_role(NULL, "exit_with", "42", NULL, NULL);
  assert_true(pid > 0);
  status = conf_wait_status(pid, "exit_with 42");
  assert_true(WIFEXITED(status));
  assert_false(WIFSIGNALED(status));
  assert_int_equal(WEXITSTATUS(status), 42);
  /* Reaped: no longer a child. */
  errno = 0;
  assert_int_equal(waitpid(pid, &status, 0), -1);
  assert_int_equal(errno, ECHILD);
}

static void waitpid_wnohang_then_exit(void **state) {
  int in[2];
  pid_t pid;
  int status = -1;
  (void)state;
  assert_int_equal(pipe2(in, O_CLOEXEC), 0);
  {
    posix_spawn_file_actions_t fa;
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    assert_int_equal(posix_spawn_file_actions_adddup2(&fa, in[0], 0), 0);
    pid = conf_spawn_role(&fa, "count_stdin", NULL, NULL, NULL);
    posix_spawn_file_actions_destroy(&fa);
  }
  close(in[0]);
  /* The child waits for EOF on its stdin, which we hold open. */
  assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
  assert_int_equal(write(in[1], "12345", 5), 5);
  close(in[1]);
  assert_int_equal(conf_wait_exit_code(pid, "count_stdin"), 5);
}

static void waitpid_errors(void **state) {
  int status;
  (void)state;
  errno = 0;
  assert_int_equal(waitpid(-1, &status, WNOHANG), -1); /* no children left */
  assert_int_equal(errno, ECHILD);
  errno = 0;
  assert_int_equal(waitpid(1, &status, 0), -1); /* not our child */
  assert_int_equal(errno, ECHILD);
}

static void file_actions_dup2_and_close(void **state) {
  int out[2];
  char buf[64];
  size_t n;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  (void)state;
  assert_int_equal(pipe(out), 0);
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  assert_int_equal(posix_spawn_file_actions_adddup2(&fa, out[1], 1), 0);
  assert_int_equal(posix_spawn_file_actions_addclose(&fa, out[0]), 0);
  assert_int_equal(posix_spawn_file_actions_addclose(&fa, out[1]), 0);
  pid = conf_spawn_role(&fa, "hello", "7", NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  n = conf_read_to_eof(out[0], buf, sizeof buf, "child's stdout");
  assert_int_equal(n, 17);
  assert_memory_equal(buf, "hello from child\n", 17);
  assert_int_equal(conf_wait_exit_code(pid, "hello"), 7);
  close(out[0]);
}

static void file_actions_addopen(void **state) {
  char name[64], buf[64];
  int fd;
  ssize_t n;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  (void)state;
  snprintf(name, sizeof name, "conf-spawn-%ld.out", (long)getpid());
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  assert_int_equal(
      posix_spawn_file_actions_addopen(&fa, 1, name, O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
  pid = conf_spawn_role(&fa, "hello", NULL, NULL, NULL);
  posix_spawn_file_actions_destroy(&fa);
  assert_int_equal(conf_wait_exit_code(pid, "hello into a file"), 0);
  fd = open(name, O_RDONLY);
  assert_true(fd >= 0);
  n = read(fd, buf, sizeof buf);
  assert_int_equal(n, 17);
  assert_memory_equal(buf, "hello from child\n", 17);
  close(fd);
  assert_int_equal(remove(name), 0);
}

static void file_action_on_closed_fd_fails(void **state) {
  int fds[2];
  pid_t pid = 0;
  char *argv[] = {(char *)conf_self(), (char *)"--role", (char *)"exit_with", (char *)"0", NULL};
  posix_spawn_file_actions_t fa;
  int rc, status;
  (void)state;
  assert_int_equal(pipe(fds), 0);
  close(fds[0]);
  close(fds[1]);
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  assert_int_equal(posix_spawn_file_actions_adddup2(&fa, fds[0], 0), 0);
  rc = posix_spawn(&pid, conf_self(), &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  /* POSIX allows the failure at spawn (EBADF) or as the child's exit status 127. */
  if (rc == 0) {
    status = conf_wait_status(pid, "spawn with a bad dup2");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 127);
  } else {
    assert_int_equal(rc, EBADF);
  }
  /* A negative fd is refused when the action is added. */
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  assert_int_equal(posix_spawn_file_actions_adddup2(&fa, -1, 0), EBADF);
  assert_int_equal(posix_spawn_file_actions_addclose(&fa, -1), EBADF);
  posix_spawn_file_actions_destroy(&fa);
}

static void fds_inherited_under_same_numbers_unless_cloexec(void **state) {
  int keep[2], drop[2];
  char num[16], buf[32];
  pid_t pid;
  size_t n;
  (void)state;
  assert_int_equal(pipe(keep), 0);
  assert_int_equal(pipe2(drop, O_CLOEXEC), 0);
  snprintf(num, sizeof num, "%d", drop[1]);
  pid = conf_spawn_role(NULL, "check_fd", num, NULL, NULL);
  assert_int_equal(conf_wait_exit_code(pid, "check_fd of a cloexec fd"), 1);
  snprintf(num, sizeof num, "%d", keep[1]);
  pid = conf_spawn_role(NULL, "write_fd", num, "inherited", NULL);
  close(keep[1]);
  n = conf_read_to_eof(keep[0], buf, sizeof buf, "inherited pipe");
  assert_int_equal(n, 9);
  assert_memory_equal(buf, "inherited", 9);
  assert_int_equal(conf_wait_exit_code(pid, "write_fd"), 0);
  /* FD_CLOEXEC set later with fcntl is respected too. */
  assert_int_equal(fcntl(keep[0], F_SETFD, FD_CLOEXEC), 0);
  snprintf(num, sizeof num, "%d", keep[0]);
  pid = conf_spawn_role(NULL, "check_fd", num, NULL, NULL);
  assert_int_equal(conf_wait_exit_code(pid, "check_fd after F_SETFD"), 1);
  close(keep[0]);
  close(drop[0]);
  close(drop[1]);
}

static void dup2_onto_stdin_stdout_then_spawn(void **state) {
  int in[2], out[2], saved_in, saved_out;
  char buf[64];
  size_t n;
  pid_t pid;
  (void)state;
  assert_int_equal(pipe2(in, O_CLOEXEC), 0);
  assert_int_equal(pipe2(out, O_CLOEXEC), 0);
  saved_in = fcntl(0, F_DUPFD_CLOEXEC, 10);
  saved_out = fcntl(1, F_DUPFD_CLOEXEC, 10);
  assert_true(saved_in >= 10 && saved_out >= 10);
  /* The seeds' recipe: the pipe ends become this process's 0 and 1, the child inherits. */
  assert_int_equal(dup2(in[0], 0), 0);
  assert_int_equal(dup2(out[1], 1), 1);
  pid = conf_spawn_role(NULL, "upper", NULL, NULL, NULL);
  assert_int_equal(dup2(saved_in, 0), 0);
  assert_int_equal(dup2(saved_out, 1), 1);
  close(saved_in);
  close(saved_out);
  close(in[0]);
  close(out[1]);
  assert_int_equal(write(in[1], "shout this", 10), 10);
  close(in[1]);
  n = conf_read_to_eof(out[0], buf, sizeof buf, "upper's output");
  assert_int_equal(n, 10);
  assert_memory_equal(buf, "SHOUT THIS", 10);
  assert_int_equal(conf_wait_exit_code(pid, "upper"), 0);
  close(out[0]);
}

static void spawn_missing_program_is_enoent(void **state) {
  pid_t pid = 0;
  char *argv[] = {(char *)"conf-no-such-program", NULL};
  (void)state;
  assert_int_equal(posix_spawn(&pid, "./conf-no-such-program-dir/none", NULL, NULL, argv,
                               environ),
                   ENOENT);
  assert_int_equal(posix_spawnp(&pid, "conf-no-such-program", NULL, NULL, argv, environ),
                   ENOENT);
}

/* The command line that runs this binary in a role, for popen and system. */
static void self_command(char *out, size_t cap, const char *role_and_args) {
  snprintf(out, cap, "\"%s\" --role %s", conf_self(), role_and_args);
}

static void popen_read_with_exit_code(void **state) {
  char cmd[1024], line[64];
  FILE *f;
  int status;
  (void)state;
  self_command(cmd, sizeof cmd, "hello 3");
  f = popen(cmd, "r");
  assert_non_null(f);
  assert_non_null(fgets(line, sizeof line, f));
  assert_string_equal(line, "hello from child\n");
  assert_null(fgets(line, sizeof line, f)); /* EOF */
  status = pclose(f);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 3);
}

static void popen_write_with_exit_code(void **state) {
  char cmd[1024];
  FILE *f;
  int status, i;
  (void)state;
  self_command(cmd, sizeof cmd, "count_stdin");
  f = popen(cmd, "w");
  assert_non_null(f);
  for (i = 0; i < 10; ++i)
    assert_int_equal(fputs("0123456789", f) >= 0, 1);
  status = pclose(f); /* the child sees EOF and exits with the count: 100 */
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 100);
}

static void popen_bad_mode_is_einval(void **state) {
  (void)state;
  errno = 0;
  assert_null(popen("exit 0", "x"));
  assert_int_equal(errno, EINVAL);
}

static void system_returns_wait_status(void **state) {
  char cmd[1024];
  int status;
  (void)state;
  assert_int_not_equal(system(NULL), 0); /* a shell is there */
  self_command(cmd, sizeof cmd, "exit_with 7");
  status = system(cmd);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 7);
}

/* The seeds' recipe as a program (docs/examples/posix/pipe.c, built next to this binary):
 * `example-posix-pipe SELF --role hello -- SELF --role count_stdin` exits with what
 * count_stdin counted, 17 bytes. */
static void example_pipe_connects_producer_to_consumer(void **state) {
  char exe[1024];
  const char *self = conf_self();
  pid_t pid;
  char *argv[10];
  int rc;
  (void)state;
  conf_sibling("example-posix-pipe", exe, sizeof exe);
  argv[0] = exe;
  argv[1] = (char *)self;
  argv[2] = (char *)"--role";
  argv[3] = (char *)"hello";
  argv[4] = (char *)"--";
  argv[5] = (char *)self;
  argv[6] = (char *)"--role";
  argv[7] = (char *)"count_stdin";
  argv[8] = NULL;
  rc = posix_spawn(&pid, exe, NULL, NULL, argv, environ);
  if (rc != 0)
    fail_msg("posix_spawn of %s: %s", exe, strerror(rc));
  assert_int_equal(conf_wait_exit_code(pid, "example-posix-pipe"), 17);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(spawn_exit_code_through_waitpid),
    cmocka_unit_test(waitpid_wnohang_then_exit),
    cmocka_unit_test(waitpid_errors),
    cmocka_unit_test(file_actions_dup2_and_close),
    cmocka_unit_test(file_actions_addopen),
    cmocka_unit_test(file_action_on_closed_fd_fails),
    cmocka_unit_test(fds_inherited_under_same_numbers_unless_cloexec),
    cmocka_unit_test(dup2_onto_stdin_stdout_then_spawn),
    cmocka_unit_test(spawn_missing_program_is_enoent),
    cmocka_unit_test(popen_read_with_exit_code),
    cmocka_unit_test(popen_write_with_exit_code),
    cmocka_unit_test(popen_bad_mode_is_einval),
    cmocka_unit_test(system_returns_wait_status),
    cmocka_unit_test(example_pipe_connects_producer_to_consumer),
};

static const struct conf_role roles[] = {
    {"exit_with", role_exit_with},     {"hello", role_hello},   {"count_stdin", role_count_stdin},
    {"check_fd", role_check_fd},       {"write_fd", role_write_fd}, {"upper", role_upper},
};

CONF_MAIN_WITH_ROLES(tests, roles)

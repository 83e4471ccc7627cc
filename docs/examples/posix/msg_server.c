/* msg_server CLIENTS REQUESTS
 *
 * The System V message-queue pattern the seeds describe: one queue, typed messages. The
 * server creates a private queue and starts CLIENTS copies of itself as clients
 * (posix_spawn, no fork), giving them the queue id. Each client sends REQUESTS requests of
 * type 1 carrying its pid and a number; the server answers each with a message whose type
 * is the client's pid, so every client receives only its own replies (msgrcv by type).
 * The client checks every answer (the number doubled). The server prints "answered N" and
 * exits 0 when all clients exited 0, then removes the queue.
 *
 * Builds unchanged for Linux (glibc) and for Windows against posix-on-win. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_CLIENTS 16
#define REQUEST_TYPE 1

struct request {
  long mtype; /* REQUEST_TYPE */
  long pid;   /* where the answer goes: its type */
  long number;
};
struct answer {
  long mtype; /* the client's pid */
  long number;
};

static int die(const char *what) {
  fprintf(stderr, "msg_server: %s failed: %s\n", what, strerror(errno));
  return 1;
}

static int client(int qid, long requests) {
  long i;
  for (i = 0; i < requests; ++i) {
    struct request rq;
    struct answer an;
    rq.mtype = REQUEST_TYPE;
    rq.pid = (long)getpid();
    rq.number = i;
    if (msgsnd(qid, &rq, sizeof rq - sizeof rq.mtype, 0) != 0)
      return die("msgsnd");
    if (msgrcv(qid, &an, sizeof an - sizeof an.mtype, (long)getpid(), 0) < 0)
      return die("msgrcv");
    if (an.number != 2 * i) {
      fprintf(stderr, "client: answer %ld to %ld\n", an.number, i);
      return 1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  char qid_arg[16], req_arg[24];
  pid_t pids[MAX_CLIENTS];
  long clients, requests, answered = 0, i;
  int qid, failed = 0;
  if (argc == 4 && strcmp(argv[1], "--client") == 0)
    return client(atoi(argv[2]), atol(argv[3]));
  if (argc != 3 || (clients = atol(argv[1])) < 1 || clients > MAX_CLIENTS ||
      (requests = atol(argv[2])) < 1) {
    fprintf(stderr, "usage: msg_server CLIENTS(1-%d) REQUESTS\n", MAX_CLIENTS);
    return 1;
  }
  qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (qid < 0)
    return die("msgget");
  snprintf(qid_arg, sizeof qid_arg, "%d", qid);
  snprintf(req_arg, sizeof req_arg, "%ld", requests);
  for (i = 0; i < clients; ++i) {
    char *cargv[] = {argv[0], "--client", qid_arg, req_arg, NULL};
    errno = posix_spawn(&pids[i], argv[0], NULL, NULL, cargv, environ);
    if (errno != 0)
      return die("posix_spawn");
  }
  while (answered < clients * requests) {
    struct request rq;
    struct answer an;
    if (msgrcv(qid, &rq, sizeof rq - sizeof rq.mtype, REQUEST_TYPE, 0) < 0)
      return die("msgrcv");
    an.mtype = rq.pid;
    an.number = 2 * rq.number;
    if (msgsnd(qid, &an, sizeof an - sizeof an.mtype, 0) != 0)
      return die("msgsnd");
    ++answered;
  }
  for (i = 0; i < clients; ++i) {
    int status = 0;
    if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      failed = 1;
  }
  msgctl(qid, IPC_RMID, NULL);
  printf("answered %ld\n", answered);
  return failed;
}

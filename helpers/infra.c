/*
 * tpod-infra: the process a pod's infra container runs, alone in an otherwise empty
 * rootfs. It only holds the pod's namespaces: it waits for signals, reaps children
 * that are reparented to it (members that share the pod's PID namespace), and exits
 * on SIGTERM or SIGINT.
 *
 * It must run without a dynamic loader or libc in its rootfs, so on x86_64 and aarch64
 * it is freestanding (raw system calls, no libc at all: a few KiB); elsewhere it falls
 * back to libc, linked statically by the Makefile.
 *
 * Signals are blocked and taken with rt_sigtimedwait: as PID 1 of a PID namespace it
 * would never see a signal left at its default action, but blocked signals are always
 * queued, so `runtime kill` with SIGTERM reaches it.
 */

#define SIG_INT 2
#define SIG_TERM 15
#define SIG_CHLD 17

#if defined(__x86_64__) || defined(__aarch64__)

#if defined(__x86_64__)
#define NR_RT_SIGPROCMASK 14
#define NR_WAIT4 61
#define NR_RT_SIGTIMEDWAIT 128
#define NR_EXIT_GROUP 231

static long sys4(long n, long a, long b, long c, long d)
{
  long r;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return r;
}

/* The kernel enters with the stack 16-byte aligned and no return address on it. */
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n and $-16,%rsp\n call infra_main\n hlt\n");
#else
#define NR_RT_SIGPROCMASK 135
#define NR_RT_SIGTIMEDWAIT 137
#define NR_EXIT_GROUP 94
#define NR_WAIT4 260

static long sys4(long n, long a, long b, long c, long d)
{
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}

__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n bl infra_main\n");
#endif

#define SIG_BLOCK 0
#define WNOHANG 1

__attribute__((noreturn, used)) void infra_main(void)
{
  unsigned long all = ~0UL; /* the kernel's sigset: 64 bits, 8 bytes */
  unsigned long info[16];   /* siginfo_t is 128 bytes */
  sys4(NR_RT_SIGPROCMASK, SIG_BLOCK, (long)&all, 0, sizeof all);
  for (;;) {
    long sig = sys4(NR_RT_SIGTIMEDWAIT, (long)&all, (long)info, 0, sizeof all);
    if (sig == SIG_TERM || sig == SIG_INT)
      break;
    if (sig == SIG_CHLD)
      while (sys4(NR_WAIT4, -1, 0, WNOHANG, 0) > 0)
        ;
  }
  sys4(NR_EXIT_GROUP, 0, 0, 0, 0);
  for (;;)
    ;
}

#else /* other architectures: libc */

#include <signal.h>
#include <sys/wait.h>

int main(void)
{
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  for (;;) {
    int sig = sigwaitinfo(&all, NULL);
    if (sig == SIGTERM || sig == SIGINT)
      return 0;
    if (sig == SIGCHLD)
      while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
  }
}

#endif

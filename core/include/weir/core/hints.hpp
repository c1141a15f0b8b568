#pragma once
// Compiler hints for hot paths, one place, one line of why each.
//
// Use them only where a measurement showed the need; each use says why in a comment.

#include <cassert>

/// Starts loading the cache line at `p` for reading while other work goes on: for look-ups
/// whose addresses are known a batch ahead, which the hardware cannot foresee. On x86 an asm
/// statement, since GCC's dead-code elimination counts a __builtin_prefetch as doing nothing
/// and drops it together with the code that only led to it (a batch's asking ahead).
#if defined(__x86_64__) || defined(__i386__)
#define WEIR_PREFETCH(p) asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)))
#else
#define WEIR_PREFETCH(p) __builtin_prefetch(p)
#endif

/// Starts loading the cache line at `p` for writing: for buffers filled in turn, too many
/// streams for the hardware's prefetcher to follow.
#define WEIR_PREFETCH_WRITE(p) __builtin_prefetch((p), 1)

/// Tells the optimiser that `cond` holds, so it may drop the code for the other case. Debug
/// builds assert it instead: a wrong assumption is undefined behaviour in release builds.
#ifdef NDEBUG
#define WEIR_ASSUME(cond)      \
  do {                         \
    if (!(cond)) {             \
      __builtin_unreachable(); \
    }                          \
  } while (false)
#else
#define WEIR_ASSUME(cond) assert(cond)
#endif

/// Branch weights for conditions whose outcome is known to be rare or common (the attribute
/// forms [[likely]] / [[unlikely]] serve statements; these serve expressions).
#define WEIR_LIKELY(x) __builtin_expect(!!(x), 1)
#define WEIR_UNLIKELY(x) __builtin_expect(!!(x), 0)

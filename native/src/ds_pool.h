// The persistent helper-thread pool shared by every kernel that splits a call into tasks: directly
// (ds_depthwise.cpp, ds_winograd.cpp) or through ds_parallel (sparse, int8, quantize); compiled once
// (all sources are one translation unit).
#ifndef DS_POOL_H
#define DS_POOL_H

#include "ds_common.h"
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace {

// Helper threads kept across calls (a new thread per call costs its creation, and on a loaded
// machine often a time slice before it starts). post() hands a job to up to `helpers` of them and
// returns false while another call holds the pool (that call's caller then works alone); the
// caller runs the same job, waits for its tasks (not for the helpers), then release()s. A helper
// that found the job late runs it and finds no task left. Helpers sleep on the condition variable
// right after a job: on the shared 2-core machine a 100 us yield-spin made student10 1.3-2.7x
// slower in 2-thread wall time (the spinning helper lost its turn when the next layer came).
class HelperPool {
public:
    static HelperPool& get() {
        static HelperPool* pool = new HelperPool();  // never destroyed: helpers may wait on it at exit
        return *pool;
    }

    // False (the caller works alone) when no helper is asked for, when another caller holds the pool
    // (several Java threads), or when this thread already holds it or runs one of its jobs (a nested call).
    bool post(std::shared_ptr<void> keep, void (*fn)(void*), int helpers) {
        if (helpers <= 0 || inside() || !use_.try_lock()) return false;
        inside() = true;
        {
            std::lock_guard<std::mutex> l(m_);
            for (; threads_ < helpers; threads_++) std::thread([this]() { loop(); }).detach();
            keep_ = std::move(keep);
            fn_ = fn;
            slots_ = helpers;
            gen_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_all();
        return true;
    }

    void release() {
        {
            std::lock_guard<std::mutex> l(m_);
            keep_.reset();
            slots_ = 0;
        }
        inside() = false;
        use_.unlock();
    }

    // True on a thread that holds the pool or runs a job of it: a nested parallel call there runs inline.
    static bool& inside() {
        static thread_local bool flag = false;
        return flag;
    }

private:
    void loop() {
        unsigned long long seen = 0;
        for (;;) {
            auto t0 = std::chrono::steady_clock::now();
            while (gen_.load(std::memory_order_acquire) == seen
                   && std::chrono::steady_clock::now() - t0 < std::chrono::microseconds(spin_us_)) {
                std::this_thread::yield();
            }
            std::shared_ptr<void> keep;
            void (*fn)(void*);
            {
                std::unique_lock<std::mutex> l(m_);
                cv_.wait(l, [&]() { return gen_.load(std::memory_order_acquire) != seen; });
                seen = gen_.load(std::memory_order_acquire);
                if (slots_ <= 0 || !keep_) continue;
                slots_--;
                keep = keep_;
                fn = fn_;
            }
            inside() = true;
            fn(keep.get());
            inside() = false;
        }
    }

    std::mutex use_, m_;
    std::condition_variable cv_;
    std::atomic<unsigned long long> gen_{0};
    std::shared_ptr<void> keep_;
    void (*fn_)(void*) = nullptr;
    int slots_ = 0, threads_ = 0;
    // microseconds a helper yield-spins for the next job before sleeping: DS_POOL_SPIN_US (or its old name
    // DS_SEPARABLE_SPIN_US). Default 0: on a loaded shared machine a spinning helper loses its turn (see above); on a
    // machine that runs little else, 300 measured 7-12% faster at 32-64 px (a sleeping helper takes 50-75 us to wake;
    // benchmarks/results/2026-11-30-pool-spin.md)
    static int spin_from_env() {
        const char* v = std::getenv("DS_POOL_SPIN_US");
        if (!v) v = std::getenv("DS_SEPARABLE_SPIN_US");
        return v ? std::max(0, std::atoi(v)) : 0;
    }
    const int spin_us_ = spin_from_env();
};

// Runs f(t) for t in [0, tasks) on up to `threads` threads: the caller and threads-1 pool helpers,
// tasks taken dynamically. Runs inline when one thread suffices, in a nested call, or while another
// caller holds the pool (concurrent Java threads then each work alone rather than oversubscribe).
// f is called only for a task taken before the caller saw every task done, so f (on the caller's
// stack) outlives every call of it; the shared counters outlive a helper that takes the job late.
struct ParallelShared {
    std::atomic<int> next{0}, done{0};
    int tasks = 0;
    void* f = nullptr;
    void (*call)(void*, int) = nullptr;

    void work() {
        for (int t = next.fetch_add(1, std::memory_order_relaxed); t < tasks; t = next.fetch_add(1, std::memory_order_relaxed)) {
            call(f, t);
            done.fetch_add(1, std::memory_order_release);
        }
    }
    static void entry(void* p) { static_cast<ParallelShared*>(p)->work(); }
};

template <class F>
static void ds_parallel(int tasks, int threads, F f) {
    int nt = std::min(threads, tasks);
    if (nt <= 1 || HelperPool::inside()) {
        for (int t = 0; t < tasks; t++) f(t);
        return;
    }
    auto st = std::make_shared<ParallelShared>();
    st->tasks = tasks;
    st->f = &f;
    st->call = [](void* g, int t) { (*static_cast<F*>(g))(t); };
    if (!HelperPool::get().post(st, &ParallelShared::entry, nt - 1)) {
        for (int t = 0; t < tasks; t++) f(t);
        return;
    }
    st->work();
    while (st->done.load(std::memory_order_acquire) < tasks) std::this_thread::yield();
    HelperPool::get().release();
}

}  // namespace

#endif

// The persistent helper-thread pool shared by the kernels that split a call into tasks
// (ds_depthwise.cpp, ds_winograd.cpp); compiled once (all sources are one translation unit).
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

    bool post(std::shared_ptr<void> keep, void (*fn)(void*), int helpers) {
        if (helpers <= 0 || !use_.try_lock()) return false;
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
        use_.unlock();
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
            fn(keep.get());
        }
    }

    std::mutex use_, m_;
    std::condition_variable cv_;
    std::atomic<unsigned long long> gen_{0};
    std::shared_ptr<void> keep_;
    void (*fn_)(void*) = nullptr;
    int slots_ = 0, threads_ = 0;
    // microseconds a helper yield-spins for the next job before sleeping; DS_SEPARABLE_SPIN_US sets it (measuring)
    const int spin_us_ = std::getenv("DS_SEPARABLE_SPIN_US") ? std::atoi(std::getenv("DS_SEPARABLE_SPIN_US")) : 0;
};

}  // namespace

#endif

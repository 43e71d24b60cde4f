//! Survive a mapped file being truncated under us.
//!
//! Reading a page of a memory map that lies past the end of a file that shrank after it was mapped
//! (logrotate's `copytruncate` does exactly that to a live log) raises `SIGBUS`, which kills the
//! process. vigil maps logs for speed, so it installs a `SIGBUS` handler once: when the faulting
//! address lies inside a mapping registered here, the handler maps anonymous zero pages over the
//! rest of that mapping, records that the file was truncated, and returns, so the read is retried
//! and sees zeros. Faults anywhere else are passed to the previous handler (Rust's stack-overflow
//! reporter) or to the default action, so genuine crashes still crash.
//!
//! The caller checks [`MapGuard::truncated`] after parsing and discards what it read past the new
//! end of the file.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many mappings may be registered at once; more are read without the guard's protection
/// being needed because the reader falls back to plain reads.
const SLOTS: usize = 256;

struct Slot {
    start: AtomicUsize,
    end: AtomicUsize,
    truncated: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    truncated: AtomicBool::new(false),
};

static REGISTRY: [Slot; SLOTS] = [EMPTY; SLOTS];
static INSTALL: Once = Once::new();
static mut PREVIOUS: Option<libc::sigaction> = None;

/// A registration of one mapped range with the `SIGBUS` guard; unregistered on drop.
#[derive(Debug)]
pub struct MapGuard {
    slot: usize,
}

impl MapGuard {
    /// Registers `[start, start + len)`; `None` when every slot is taken.
    ///
    /// Only for read-only maps this crate owns: a fault inside the range replaces the rest of it
    /// with zero pages.
    pub(crate) fn register(start: *const u8, len: usize) -> Option<MapGuard> {
        install();
        let start = start as usize;
        for (i, slot) in REGISTRY.iter().enumerate() {
            if slot
                .start
                .compare_exchange(0, start, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                slot.truncated.store(false, Ordering::Release);
                slot.end.store(start + len, Ordering::Release);
                return Some(MapGuard { slot: i });
            }
        }
        None
    }

    /// Whether a read of this mapping faulted because the file had shrunk.
    pub fn truncated(&self) -> bool {
        REGISTRY[self.slot].truncated.load(Ordering::Acquire)
    }
}

impl Drop for MapGuard {
    fn drop(&mut self) {
        let slot = &REGISTRY[self.slot];
        slot.end.store(0, Ordering::Release);
        slot.start.store(0, Ordering::Release);
    }
}

fn install() {
    INSTALL.call_once(|| {
        // SAFETY: plain libc calls with zeroed, then filled, sigaction structs; the handler below
        // only does async-signal-safe work (atomics, mmap, sigaction).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            libc::sigemptyset(&mut action.sa_mask);
            // Record the handler in force before installing ours, so ours never reads PREVIOUS
            // before it is written.
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut previous) == 0 {
                PREVIOUS = Some(previous);
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        }
    });
}

extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo_t to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = page_size();
    for slot in REGISTRY.iter() {
        let start = slot.start.load(Ordering::Acquire);
        let end = slot.end.load(Ordering::Acquire);
        if start != 0 && addr >= start && addr < end {
            let from = addr & !(page - 1);
            let to = (end + page - 1) & !(page - 1);
            // SAFETY: [from, to) lies inside a mapping this process owns and registered; replacing
            // it with private zero pages keeps the address range valid until its owner unmaps it.
            let mapped = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    to - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if mapped != libc::MAP_FAILED {
                slot.truncated.store(true, Ordering::Release);
                return;
            }
        }
    }
    // Not ours: hand over to whoever was installed before, or die as the default action would.
    // SAFETY: PREVIOUS is written once, before this handler was installed, and only read here.
    unsafe {
        let previous = *std::ptr::addr_of!(PREVIOUS);
        match previous {
            Some(prev) if prev.sa_sigaction != libc::SIG_DFL && prev.sa_sigaction != libc::SIG_IGN => {
                if prev.sa_flags & libc::SA_SIGINFO != 0 {
                    let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        std::mem::transmute(prev.sa_sigaction);
                    handler(signal, info, context);
                } else {
                    let handler: extern "C" fn(libc::c_int) = std::mem::transmute(prev.sa_sigaction);
                    handler(signal);
                }
            }
            _ => {
                let mut default: libc::sigaction = std::mem::zeroed();
                default.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &default, std::ptr::null_mut());
            }
        }
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf is async-signal-safe and has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as usize } else { 4096 }
}

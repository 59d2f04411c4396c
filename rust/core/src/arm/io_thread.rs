//! The thread that drives a client's HTTP I/O. reqwest's blocking client keeps such a
//! thread too, but a caller blocked in it cannot be woken; here the caller waits on a
//! channel it can leave when the run is cancelled, and the call's task is aborted, which
//! closes its connection at once.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::cancel::Cancel;

/// One runtime on one named thread; stopped and joined when dropped (shared by the
/// clones of an [`super::ArmClient`], so when the last clone goes).
pub(crate) struct IoThread {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// How a call on the I/O thread ended for the caller waiting on it.
pub(crate) enum Waited<T> {
    Done(T),
    Cancelled,
    /// No answer within the caller's bound (the task is aborted).
    TimedOut,
}

impl IoThread {
    pub(crate) fn start() -> std::io::Result<IoThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("arm-io".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Idle pool threads (name resolution) are let go, not waited for.
                runtime.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(IoThread {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `make` with the runtime entered (building a client may need it).
    pub(crate) fn enter<T>(&self, make: impl FnOnce() -> T) -> T {
        let _entered = self.handle.enter();
        make()
    }

    /// Runs `work` on the I/O thread and waits for it, at most `bound`, and only until
    /// `cancel` fires; the task is aborted when the wait ends without its answer.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
        bound: Duration,
        cancel: &Cancel,
    ) -> Waited<T> {
        let (tx, rx) = mpsc::sync_channel::<Option<T>>(2);
        let answer = tx.clone();
        let task = self.handle.spawn(async move {
            let _ = answer.send(Some(work.await));
        });
        let abort = task.abort_handle();
        let wake = {
            let abort = abort.clone();
            cancel.on_cancel(move || {
                abort.abort();
                let _ = tx.try_send(None);
            })
        };
        let waited = match rx.recv_timeout(bound) {
            Ok(Some(value)) => Waited::Done(value),
            Ok(None) => Waited::Cancelled,
            Err(_) => Waited::TimedOut,
        };
        drop(wake);
        if !matches!(waited, Waited::Done(_)) {
            abort.abort();
        }
        waited
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

//! Child processes a job runs (ffmpeg): lower priority than serving, and never outliving
//! the server that started them.

use tokio::process::Command;

/// A command that runs niced by `nice` (0–19), is killed when its future is dropped (a
/// job stopped, its lease lost), and is killed by the kernel when the server dies, even
/// by SIGKILL (`PR_SET_PDEATHSIG`), so no orphaned ffmpeg keeps writing to a temporary
/// directory another server is about to take over.
///
/// The death signal follows the thread that started the child: tokio starts it from a
/// runtime worker thread, which lives as long as the server.
pub fn command(program: &str, nice: i32) -> Command {
    let mut command = Command::new(program);
    command.kill_on_drop(true);
    let parent = std::process::id() as libc::pid_t;
    let nice = nice.clamp(0, 19);
    // SAFETY: only async-signal-safe calls between fork and exec (prctl, getppid,
    // setpriority, _exit); nothing is allocated.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The server may have died between fork and prctl: then no signal would come.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            if nice > 0 {
                // Best effort: a child that can't lower its priority still runs.
                libc::setpriority(libc::PRIO_PROCESS, 0, nice);
            }
            Ok(())
        });
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_child_runs_niced() {
        let out = command("sh", 7).args(["-c", "cut -d' ' -f19 /proc/self/stat"]).output().await.unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "7");
    }
}

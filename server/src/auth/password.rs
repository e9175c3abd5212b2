//! Password hashing with argon2id (the OWASP-recommended defaults of the `argon2` crate:
//! 19 MiB, 2 passes). Hashing is deliberately slow and memory-hungry, so it runs off the
//! async runtime, and at most a fixed number of hashes run at once ([`Hasher`]): beyond
//! that a request is answered 429 `busy` at once instead of queueing up memory (a burst
//! of 60 parallel guesses took a server from 1.8 to 2.4 GB before).

use std::sync::{
    Arc, LazyLock,
    atomic::{AtomicU64, Ordering},
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{self, PasswordHash, Salt, SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and checks passwords, a bounded number at a time (sign-in, password change,
/// one-time links, accounts made with a password). Cloning shares the bound.
///
/// The work runs on threads of its own, as many as the bound: each argon2 run allocates
/// its 19 MiB afresh, and on a thread that has done it before the allocator hands back
/// the same memory, so the server's memory stays at (bound × 19 MiB). On the runtime's
/// blocking pool every new thread kept another 19 MiB (+172 MiB after one burst).
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
    /// Passwords hashed or checked so far (for tests and logs).
    done: Arc<AtomicU64>,
}

impl Hasher {
    /// A hasher that runs at most `at_once` hashes at the same time. Its threads end
    /// when the last clone is dropped.
    pub fn new(at_once: usize) -> Hasher {
        let at_once = at_once.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..at_once {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("primer-hash-{i}"))
                .spawn(move || {
                    loop {
                        // Only the wait for the next job holds the lock.
                        let next = queue.lock().map(|q| q.recv());
                        match next {
                            Ok(Ok(job)) => job(),
                            _ => break,
                        }
                    }
                })
                .expect("starting a password thread");
        }
        Hasher { permits: Arc::new(Semaphore::new(at_once)), jobs, done: Arc::new(AtomicU64::new(0)) }
    }

    /// The default bound: two per core.
    pub fn default_at_once() -> usize {
        2 * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    }

    /// How many passwords this hasher has hashed or checked.
    pub fn count(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = self.permits.clone().try_acquire_owned().map_err(|_| ApiError::Busy)?;
        self.done.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(work());
            }))
            .map_err(|_| ApiError::Internal("the password threads have stopped".into()))?;
        let result = rx.await.map_err(|_| ApiError::Internal("a password check failed".into()))?;
        drop(permit);
        result
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`), or answers `busy`.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash_blocking(&password)).await
    }

    /// Checks a password against a stored hash, or answers `busy`. With no hash (unknown
    /// account, or one that has no password yet), it does the same work and answers
    /// `false`.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move || {
            let has_hash = stored.is_some();
            let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
            let matches = verify_blocking(&password, &phc)?;
            Ok(has_hash && matches)
        })
        .await
    }
}

thread_local! {
    /// The memory argon2 works in, kept by each thread that hashes and used again, so a
    /// check doesn't allocate (and leave behind) another 19 MiB.
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs argon2 as `PasswordHasher::hash_password` does, in this thread's memory.
fn argon2<'a>(
    password: &[u8],
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt<'a>,
) -> password_hash::Result<PasswordHash<'a>> {
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = MEMORY.with_borrow_mut(|memory| {
        memory.resize(params.block_count(), Block::default());
        let output = password_hash::Output::init_with(output_len, |out| {
            argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..]).map_err(Into::into)
        });
        // What argon2 derived from the password doesn't stay behind.
        memory.fill(Block::default());
        output
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: password_hash::ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// Hashes synchronously (for CLIs and start-up): argon2id with the crate's defaults.
pub fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2(password.as_bytes(), Algorithm::default(), Version::default(), Params::default(), salt.as_salt())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a PHC string, with the parameters the string names.
fn verify_blocking(password: &str, phc: &str) -> Result<bool, ApiError> {
    let unreadable = |e: &dyn std::fmt::Display| ApiError::Internal(format!("stored hash unreadable: {e}"));
    let stored = PasswordHash::new(phc).map_err(|e| unreadable(&e))?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(ApiError::Internal("stored hash has no salt or output".into()));
    };
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(|e| unreadable(&e))?;
    let version = stored.version.map(Version::try_from).transpose().map_err(|e| unreadable(&e))?.unwrap_or_default();
    let params = Params::try_from(&stored).map_err(|e| unreadable(&e))?;
    let computed = argon2(password.as_bytes(), algorithm, version, params, salt).map_err(|e| unreadable(&e))?;
    // `Output`'s comparison takes the same time whatever the bytes.
    Ok(computed.hash == Some(expected))
}

/// A hash of a random password, verified against when an account has no usable hash, so
/// that a wrong email takes as long as a wrong password and reveals nothing.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut random = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut random);
    hash_blocking(&hex::encode(random)).expect("hashing a random password")
});

/// Computes the dummy hash now rather than during the first sign-in (on a thread of its
/// own, whose argon2 memory goes when it ends).
pub fn warm_up() {
    let _ = std::thread::spawn(|| LazyLock::force(&DUMMY_HASH).len()).join();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let hasher = Hasher::new(2);
        let a = hasher.hash("correct horse battery".into()).await.unwrap();
        let b = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(hasher.verify("correct horse battery".into(), Some(a.clone())).await.unwrap());
        assert!(!hasher.verify("wrong horse battery".into(), Some(a)).await.unwrap());
        assert_eq!(hasher.count(), 4);
    }

    #[test]
    fn hashes_read_as_the_argon2_crate_writes_them() {
        use argon2::{PasswordHasher, PasswordVerifier};
        // Hashed by the crate itself (as older servers stored them), checked here.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_blocking("correct horse battery", &theirs).unwrap());
        assert!(!verify_blocking("correct horse batterx", &theirs).unwrap());
        // Hashed here, checked by the crate, with other parameters too.
        let ours = hash_blocking("correct horse battery").unwrap();
        assert!(
            Argon2::default().verify_password(b"correct horse battery", &PasswordHash::new(&ours).unwrap()).is_ok()
        );
        let small = Params::new(1024, 1, 1, None).unwrap();
        let other =
            Argon2::new(Algorithm::Argon2i, Version::V0x10, small).hash_password(b"pw pw pw pw", &salt).unwrap();
        assert!(verify_blocking("pw pw pw pw", &other.to_string()).unwrap());
        assert!(verify_blocking("pw", "not a hash").is_err());
    }

    #[tokio::test]
    async fn no_hash_never_verifies() {
        assert!(!Hasher::new(1).verify("anything at all".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn beyond_the_bound_it_is_busy_at_once() {
        let hasher = Hasher::new(1);
        let held = hasher.permits.clone().try_acquire_owned().unwrap();
        assert!(matches!(hasher.verify("guess guess".into(), None).await, Err(ApiError::Busy)));
        assert!(matches!(hasher.hash("a new password".into()).await, Err(ApiError::Busy)));
        assert_eq!(hasher.count(), 0, "nothing was hashed");
        drop(held);
        assert!(!hasher.verify("guess guess".into(), None).await.unwrap());
        assert_eq!(hasher.count(), 1);
    }
}

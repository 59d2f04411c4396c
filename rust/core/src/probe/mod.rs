//! Ways of looking at the local machine that several checks share.

pub mod exec;
pub mod process;
pub mod relay_proxy;
pub mod tls;
#[allow(
    unsafe_code,
    reason = "the effective ids and faccessat(AT_EACCESS) exist only in libc; the core's one unsafe module"
)]
pub mod user;

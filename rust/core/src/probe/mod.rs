//! Ways of looking at the local machine that several checks share.

pub mod exec;
pub mod process;
pub mod relay_proxy;
pub mod tls;
pub mod user;

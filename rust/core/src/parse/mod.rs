//! Parsers for the files the checks read; each takes bytes or text and never panics.

pub mod exe;
pub mod mountinfo;
pub mod proc_net_tcp;
pub mod psd1;
pub mod sshd_config;
pub mod sshd_service;

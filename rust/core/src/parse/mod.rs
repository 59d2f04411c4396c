//! Parsers for the files the checks read; each takes bytes or text and never panics.

pub mod exe;
pub mod mountinfo;
pub mod psd1;

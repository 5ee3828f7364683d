//! The tailer against real files in temporary folders.

mod files;
mod gz;
mod harness;
mod model;
mod restart;
mod rotation;

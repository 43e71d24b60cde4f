//! Integration tests of the input layer.

mod engine;
mod roundtrip;
mod truncation;

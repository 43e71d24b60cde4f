//! Integration tests of the input layer.

mod roundtrip;
mod truncation;

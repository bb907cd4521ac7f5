//! Emulator of the LEAP Sign API.

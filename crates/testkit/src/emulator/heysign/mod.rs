//! Emulator of the HeySign API v1.

//! Identifier newtypes, so an envelope id is never passed where an event id is expected.

crate::string_id! {
    /// The provider's identifier of an envelope (a HeySign agreement id, a LEAP project id).
    EnvelopeId
}

crate::string_id! {
    /// The provider's identifier of one signer within an envelope.
    SignerId
}

crate::string_id! {
    /// The identifier of an event, stable across redeliveries: use it to drop duplicates.
    EventId
}

//! What producers and consumers share: the metadata cache (`Metadata`/`MetadataCache` in the Java
//! client) and the network client that numbers requests, tracks those in flight and times them
//! out (`NetworkClient`, `InFlightRequests`).

pub mod metadata;
pub mod network;

pub use metadata::ClientMetadata;
pub use network::{InFlightRequest, NetworkClient};

//! What producers and consumers share: the metadata cache (`Metadata`/`MetadataCache` in the Java
//! client), the network client that numbers requests, tracks those in flight and times them
//! out (`NetworkClient`, `InFlightRequests`), and what both do when a connection goes away or a
//! Metadata response arrives (`connection`).

pub mod connection;
pub mod metadata;
pub mod network;

pub use connection::{Connections, Disconnected};
pub use metadata::ClientMetadata;
pub use network::{InFlightRequest, NetworkClient};

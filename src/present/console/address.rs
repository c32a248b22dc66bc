//! `--bootstrap-server` as a Kafka client reads it (`ClientUtils.parseAndValidateAddresses`):
//! a comma-separated list of `host:port`. On the classroom's network a broker `bN` listens on
//! `bN:9092`, and the operator's machine reaches the brokers as `localhost:9092`, `:9093`, ...
//! (b1, b2, ...), the way a local multi-broker setup is usually run.

use super::Printer;
use crate::kafka::types::{BrokerId, NodeId};
use crate::kafka::Cluster;

/// The port every broker listens on.
pub const BROKER_PORT: u32 = 9092;

/// One bootstrap address and the broker that listens there, if any.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Server {
    pub host: String,
    pub port: u32,
    pub broker: Option<BrokerId>,
}

impl Server {
    /// How a Kafka client logs the address: `host/ip:port`.
    pub fn logged(&self) -> String {
        let ip = match (self.host.as_str(), self.broker) {
            ("localhost" | "127.0.0.1", _) => "127.0.0.1".to_string(),
            (_, Some(b)) => format!("10.0.0.{}", b.0),
            _ => "10.0.0.254".to_string(),
        };
        format!("{}/{ip}:{}", self.host, self.port)
    }
}

/// The addresses of `value`, or the `ConfigException` message a client would throw (after
/// logging a warning for each host it could not resolve).
pub fn resolve(cluster: &Cluster, value: &str, p: &mut Printer) -> Result<Vec<Server>, String> {
    let mut servers = Vec::new();
    for url in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        let (host, port) = url
            .rsplit_once(':')
            .and_then(|(h, port)| Some((h, port.parse::<u32>().ok()?)))
            .filter(|(h, port)| !h.is_empty() && *port <= 65_535)
            .ok_or_else(|| format!("Invalid url in bootstrap.servers: {url}"))?;
        let broker = match host {
            "localhost" | "127.0.0.1" => {
                let index = port.checked_sub(BROKER_PORT).map(|i| i + 1);
                index
                    .map(BrokerId)
                    .filter(|b| cluster.brokers.contains_key(b))
            }
            _ => match NodeId::parse(host).ok().and_then(NodeId::as_broker) {
                Some(b) if cluster.brokers.contains_key(&b) => (port == BROKER_PORT).then_some(b),
                _ => {
                    // Kafka: ClientUtils.parseAndValidateAddresses (a log4j WARN on stderr).
                    p.err(format!("WARN Couldn't resolve server {url} from bootstrap.servers as DNS resolution failed for {host} (org.apache.kafka.clients.ClientUtils)"));
                    continue;
                }
            },
        };
        servers.push(Server {
            host: host.to_string(),
            port,
            broker,
        });
    }
    if servers.is_empty() {
        return Err("No resolvable bootstrap urls given in bootstrap.servers".to_string());
    }
    Ok(servers)
}

/// The first bootstrap broker whose process answers (a client tries them in turn).
pub fn reachable(cluster: &Cluster, servers: &[Server]) -> Option<BrokerId> {
    servers.iter().filter_map(|s| s.broker).find(|b| {
        cluster
            .brokers
            .get(b)
            .is_some_and(|x| x.process.is_running())
    })
}

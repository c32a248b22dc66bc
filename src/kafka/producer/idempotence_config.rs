//! Kafka 4.0's producer configuration rules that decide whether idempotence is
//! on, and the `delivery.timeout.ms` rule (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`,
//! `KafkaProducer.configureDeliveryTimeout`, and the `ConfigDef` ranges of the
//! keys involved).
//!
//! Input is [`ProducerConfigOverrides`]: each field is `Some` when the user set
//! the key explicitly, because Kafka treats "set to the default value" and "not
//! set" differently. Errors carry Kafka's `ConfigException` message word for word.
//!
//! Kafka 4.0 rules, checked in this order when idempotence is on (default true):
//! * `retries=0`: `ConfigException` if `enable.idempotence=true` was set, else
//!   idempotence is silently turned off;
//! * `acks` other than `all`/`-1`: likewise;
//! * `max.in.flight.requests.per.connection > 5`: always a `ConfigException`
//!   (KAFKA-17927, 4.0; 3.x silently turned idempotence off instead). It is
//!   checked even when an earlier rule already turned idempotence off, as in Kafka.
//! * `transactional.id` without idempotence: `ConfigException`.

use std::fmt;

/// `retries` default (`Integer.MAX_VALUE`; in practice `delivery.timeout.ms` ends retrying).
pub const DEFAULT_RETRIES: i32 = i32::MAX;
/// `max.in.flight.requests.per.connection` default.
pub const DEFAULT_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION: i32 = 5;
/// `linger.ms` default: 5 since Kafka 4.0 (KIP-1030); 0 before.
pub const DEFAULT_LINGER_MS: i64 = 5;
/// `request.timeout.ms` default.
pub const DEFAULT_REQUEST_TIMEOUT_MS: i32 = 30_000;
/// `delivery.timeout.ms` default.
pub const DEFAULT_DELIVERY_TIMEOUT_MS: i32 = 120_000;
/// `MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE`.
const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE: i32 = 5;

/// `org.apache.kafka.common.config.ConfigException`; `Display` is its message.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ConfigException {
    message: String,
}

impl ConfigException {
    fn new(message: impl Into<String>) -> ConfigException {
        ConfigException {
            message: message.into(),
        }
    }

    /// Kafka's `ConfigException(name, value, message)` form.
    fn invalid_value(name: &str, value: impl fmt::Display, message: &str) -> ConfigException {
        ConfigException::new(format!(
            "Invalid value {value} for configuration {name}: {message}"
        ))
    }

    /// The message exactly as Kafka builds it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigException {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for ConfigException {}

/// The `acks` setting.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub enum Acks {
    /// `acks=all` (same as `-1`): wait for the whole in-sync replica set.
    All,
    /// `acks=1`: the leader alone.
    Leader,
    /// `acks=0`: no response awaited.
    None,
}

impl Acks {
    /// Parses a config value as Kafka does: `all`, `-1`, `0` or `1`, case-sensitive
    /// (`ConfigDef.ValidString`).
    pub fn parse(value: &str) -> Result<Acks, ConfigException> {
        match value {
            "all" | "-1" => Ok(Acks::All),
            "1" => Ok(Acks::Leader),
            "0" => Ok(Acks::None),
            _ => Err(ConfigException::invalid_value(
                "acks",
                value,
                "String must be one of: all, -1, 0, 1",
            )),
        }
    }

    /// The value Kafka stores after `parseAcks`: `-1`, `1` or `0`.
    pub fn as_config_value(&self) -> &'static str {
        match self {
            Acks::All => "-1",
            Acks::Leader => "1",
            Acks::None => "0",
        }
    }
}

/// Keys the user set explicitly (`Some`) or left to Kafka's default (`None`).
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct ProducerConfigOverrides {
    pub enable_idempotence: Option<bool>,
    pub acks: Option<Acks>,
    pub retries: Option<i32>,
    pub max_in_flight_requests_per_connection: Option<i32>,
    pub transactional_id: Option<String>,
    pub linger_ms: Option<i64>,
    pub request_timeout_ms: Option<i32>,
    pub delivery_timeout_ms: Option<i32>,
}

/// The values the producer runs with.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct EffectiveProducerConfig {
    pub enable_idempotence: bool,
    pub acks: Acks,
    pub retries: i32,
    pub max_in_flight_requests_per_connection: i32,
    pub linger_ms: i64,
    pub request_timeout_ms: i32,
    pub delivery_timeout_ms: i32,
    /// Kafka's log lines for silent adjustments, in order, for narration.
    pub warnings: Vec<String>,
}

/// Applies Kafka's range checks, idempotence rules and delivery-timeout rule.
pub fn resolve_producer_config(
    overrides: &ProducerConfigOverrides,
) -> Result<EffectiveProducerConfig, ConfigException> {
    let retries = overrides.retries.unwrap_or(DEFAULT_RETRIES);
    let max_in_flight = overrides
        .max_in_flight_requests_per_connection
        .unwrap_or(DEFAULT_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
    let linger_ms = overrides.linger_ms.unwrap_or(DEFAULT_LINGER_MS);
    let request_timeout_ms = overrides
        .request_timeout_ms
        .unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS);
    let delivery_timeout_ms = overrides
        .delivery_timeout_ms
        .unwrap_or(DEFAULT_DELIVERY_TIMEOUT_MS);
    at_least("retries", i64::from(retries), 0)?;
    at_least(
        "max.in.flight.requests.per.connection",
        i64::from(max_in_flight),
        1,
    )?;
    at_least("linger.ms", linger_ms, 0)?;
    at_least("request.timeout.ms", i64::from(request_timeout_ms), 0)?;
    at_least("delivery.timeout.ms", i64::from(delivery_timeout_ms), 0)?;

    let mut warnings = Vec::new();
    let acks = overrides.acks.unwrap_or(Acks::All);
    let enable_idempotence =
        resolve_idempotence(overrides, acks, retries, max_in_flight, &mut warnings)?;
    let delivery_timeout_ms =
        configure_delivery_timeout(overrides, linger_ms, request_timeout_ms, &mut warnings)?;
    Ok(EffectiveProducerConfig {
        enable_idempotence,
        acks,
        retries,
        max_in_flight_requests_per_connection: max_in_flight,
        linger_ms,
        request_timeout_ms,
        delivery_timeout_ms,
        warnings,
    })
}

/// `ConfigDef.Range.atLeast` (`between(0, MAX)` fails the same way below 0).
fn at_least(name: &str, value: i64, min: i64) -> Result<(), ConfigException> {
    if value < min {
        return Err(ConfigException::invalid_value(
            name,
            value,
            &format!("Value must be at least {min}"),
        ));
    }
    Ok(())
}

/// `ProducerConfig.postProcessAndValidateIdempotenceConfigs` (Kafka 4.0).
fn resolve_idempotence(
    overrides: &ProducerConfigOverrides,
    acks: Acks,
    retries: i32,
    max_in_flight: i32,
    warnings: &mut Vec<String>,
) -> Result<bool, ConfigException> {
    let user_configured_idempotence = overrides.enable_idempotence.is_some();
    let mut idempotence_enabled = overrides.enable_idempotence.unwrap_or(true);
    let mut should_disable_idempotence = false;
    if idempotence_enabled {
        if retries == 0 {
            if user_configured_idempotence {
                return Err(ConfigException::new(
                    "Must set retries to non-zero when using the idempotent producer.",
                ));
            }
            warnings.push("Idempotence will be disabled because retries is set to 0.".to_owned());
            should_disable_idempotence = true;
        }
        if acks != Acks::All {
            if user_configured_idempotence {
                return Err(ConfigException::new(
                    "Must set acks to all in order to use the idempotent producer. \
                     Otherwise we cannot guarantee idempotence.",
                ));
            }
            warnings.push(format!(
                "Idempotence will be disabled because acks is set to {}, not set to 'all'.",
                acks.as_config_value()
            ));
            should_disable_idempotence = true;
        }
        if max_in_flight > MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE {
            return Err(ConfigException::new(format!(
                "To use the idempotent producer, max.in.flight.requests.per.connection must be set \
                 to at most 5. Current value is {max_in_flight}."
            )));
        }
    }
    if should_disable_idempotence {
        idempotence_enabled = false;
    }
    if !idempotence_enabled && overrides.transactional_id.is_some() {
        return Err(ConfigException::new(
            "Cannot set a transactional.id without also enabling idempotence.",
        ));
    }
    Ok(idempotence_enabled)
}

/// `KafkaProducer.configureDeliveryTimeout`: `delivery.timeout.ms` must cover
/// `linger.ms + request.timeout.ms`. An explicit smaller value is refused; the
/// default is silently raised to the sum (capped at `Integer.MAX_VALUE`).
fn configure_delivery_timeout(
    overrides: &ProducerConfigOverrides,
    linger_ms: i64,
    request_timeout_ms: i32,
    warnings: &mut Vec<String>,
) -> Result<i32, ConfigException> {
    let delivery_timeout_ms = overrides
        .delivery_timeout_ms
        .unwrap_or(DEFAULT_DELIVERY_TIMEOUT_MS);
    // Kafka narrows linger.ms (a long) to an int, capped at Integer.MAX_VALUE.
    let linger_ms = linger_ms.min(i64::from(i32::MAX));
    let linger_and_request_timeout_ms =
        (linger_ms + i64::from(request_timeout_ms)).min(i64::from(i32::MAX));
    let linger_and_request_timeout_ms =
        i32::try_from(linger_and_request_timeout_ms).expect("capped at i32::MAX just above");
    if delivery_timeout_ms >= linger_and_request_timeout_ms {
        return Ok(delivery_timeout_ms);
    }
    if overrides.delivery_timeout_ms.is_some() {
        return Err(ConfigException::new(
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
        ));
    }
    warnings.push(format!(
        "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms. \
         Setting it to {linger_and_request_timeout_ms}."
    ));
    Ok(linger_and_request_timeout_ms)
}

//! Kafka 4.0's rules for `enable.idempotence` and `delivery.timeout.ms`
//! (`ProducerConfig`, `KafkaProducer.configureDeliveryTimeout`).

use kafka_classroom::kafka::producer::idempotence_config::{
    resolve_producer_config, Acks, ProducerConfigOverrides,
};

fn error_of(overrides: ProducerConfigOverrides) -> String {
    resolve_producer_config(&overrides).unwrap_err().to_string()
}

#[test]
fn defaults_enable_idempotence_with_acks_all() {
    let config = resolve_producer_config(&ProducerConfigOverrides::default()).unwrap();
    assert!(config.enable_idempotence);
    assert_eq!(config.acks, Acks::All);
    assert_eq!(config.retries, i32::MAX);
    assert_eq!(config.max_in_flight_requests_per_connection, 5);
    assert_eq!(
        (
            config.linger_ms,
            config.request_timeout_ms,
            config.delivery_timeout_ms
        ),
        (5, 30_000, 120_000)
    );
    assert!(config.warnings.is_empty());
}

#[test]
fn acks_one_without_explicit_idempotence_silently_disables_it() {
    let overrides = ProducerConfigOverrides {
        acks: Some(Acks::Leader),
        ..Default::default()
    };
    let config = resolve_producer_config(&overrides).unwrap();
    assert!(!config.enable_idempotence);
    assert_eq!(
        config.warnings,
        ["Idempotence will be disabled because acks is set to 1, not set to 'all'."]
    );
}

#[test]
fn retries_zero_without_explicit_idempotence_silently_disables_it() {
    let overrides = ProducerConfigOverrides {
        retries: Some(0),
        ..Default::default()
    };
    let config = resolve_producer_config(&overrides).unwrap();
    assert!(!config.enable_idempotence);
    assert_eq!(
        config.warnings,
        ["Idempotence will be disabled because retries is set to 0."]
    );
}

#[test]
fn explicit_idempotence_with_acks_zero_is_a_config_exception() {
    let overrides = ProducerConfigOverrides {
        enable_idempotence: Some(true),
        acks: Some(Acks::None),
        ..Default::default()
    };
    assert_eq!(
        error_of(overrides),
        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."
    );
}

#[test]
fn explicit_idempotence_with_retries_zero_is_a_config_exception() {
    let overrides = ProducerConfigOverrides {
        enable_idempotence: Some(true),
        retries: Some(0),
        acks: Some(Acks::Leader),
        ..Default::default()
    };
    // retries is checked before acks.
    assert_eq!(
        error_of(overrides),
        "Must set retries to non-zero when using the idempotent producer."
    );
}

#[test]
fn max_in_flight_above_five_is_refused_in_4_0_even_when_idempotence_is_implicit() {
    let overrides = ProducerConfigOverrides {
        max_in_flight_requests_per_connection: Some(6),
        ..Default::default()
    };
    let expected =
        "To use the idempotent producer, max.in.flight.requests.per.connection must be set \
                    to at most 5. Current value is 6.";
    assert_eq!(error_of(overrides.clone()), expected);
    let explicit = ProducerConfigOverrides {
        enable_idempotence: Some(true),
        ..overrides.clone()
    };
    assert_eq!(error_of(explicit), expected);
    // Checked even after acks=1 already turned idempotence off, as in Kafka.
    let with_acks_one = ProducerConfigOverrides {
        acks: Some(Acks::Leader),
        ..overrides
    };
    assert_eq!(error_of(with_acks_one), expected);
}

#[test]
fn idempotence_disabled_explicitly_allows_anything() {
    let overrides = ProducerConfigOverrides {
        enable_idempotence: Some(false),
        acks: Some(Acks::None),
        retries: Some(0),
        max_in_flight_requests_per_connection: Some(50),
        ..Default::default()
    };
    let config = resolve_producer_config(&overrides).unwrap();
    assert!(!config.enable_idempotence);
    assert!(config.warnings.is_empty());
}

#[test]
fn transactional_id_requires_idempotence() {
    let overrides = ProducerConfigOverrides {
        acks: Some(Acks::Leader),
        transactional_id: Some("tx".to_owned()),
        ..Default::default()
    };
    assert_eq!(
        error_of(overrides),
        "Cannot set a transactional.id without also enabling idempotence."
    );
}

#[test]
fn explicit_delivery_timeout_below_linger_plus_request_timeout_is_refused() {
    let overrides = ProducerConfigOverrides {
        delivery_timeout_ms: Some(30_004),
        ..Default::default()
    };
    assert_eq!(
        error_of(overrides),
        "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
    );
    let equal = ProducerConfigOverrides {
        delivery_timeout_ms: Some(30_005),
        ..Default::default()
    };
    assert_eq!(
        resolve_producer_config(&equal).unwrap().delivery_timeout_ms,
        30_005
    );
}

#[test]
fn default_delivery_timeout_is_silently_raised_to_linger_plus_request_timeout() {
    let overrides = ProducerConfigOverrides {
        linger_ms: Some(100_000),
        request_timeout_ms: Some(50_000),
        ..Default::default()
    };
    let config = resolve_producer_config(&overrides).unwrap();
    assert_eq!(config.delivery_timeout_ms, 150_000);
    assert_eq!(
        config.warnings,
        [
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms. Setting it to 150000."
        ]
    );
}

#[test]
fn huge_linger_caps_the_raised_delivery_timeout_at_int_max() {
    let overrides = ProducerConfigOverrides {
        linger_ms: Some(i64::MAX),
        ..Default::default()
    };
    assert_eq!(
        resolve_producer_config(&overrides)
            .unwrap()
            .delivery_timeout_ms,
        i32::MAX
    );
}

#[test]
fn out_of_range_values_use_config_def_messages() {
    let negative_retries = ProducerConfigOverrides {
        retries: Some(-1),
        ..Default::default()
    };
    assert_eq!(
        error_of(negative_retries),
        "Invalid value -1 for configuration retries: Value must be at least 0"
    );
    let zero_in_flight = ProducerConfigOverrides {
        max_in_flight_requests_per_connection: Some(0),
        ..Default::default()
    };
    assert_eq!(
        error_of(zero_in_flight),
        "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1"
    );
}

#[test]
fn acks_values_parse_like_kafka() {
    assert_eq!(Acks::parse("all"), Ok(Acks::All));
    assert_eq!(Acks::parse("-1"), Ok(Acks::All));
    assert_eq!(Acks::parse("1"), Ok(Acks::Leader));
    assert_eq!(Acks::parse("0"), Ok(Acks::None));
    assert_eq!(
        Acks::parse("ALL").unwrap_err().message(),
        "Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1"
    );
}

//! Dynamic configs (Kafka's `ConfigurationControlManager`): `IncrementalAlterConfigs` for a
//! topic, one broker, or the cluster-wide broker default. Each change is validated the way
//! Kafka's controller (`ControllerConfigurationValidator`, `LogConfig.validate`) and the
//! forwarding broker (`ConfigAdminManager`, `DynamicBrokerConfig.validateConfigs`) validate it,
//! then written as one `ConfigRecord` per key; brokers apply the new settings when the records
//! reach them.

use super::Controller;
use crate::kafka::commands::CommandError;
use crate::kafka::config::{def, BROKER_KEYS, TOPIC_KEYS};
use crate::kafka::event::Event;
use crate::kafka::metadata::{ConfigResource, MetadataRecord, DYNAMIC_BROKER_KEYS};
use crate::kafka::Cluster;
use crate::sim::Ctx;
use std::collections::BTreeMap;

impl Controller {
    /// Kafka: `ConfigurationControlManager.incrementalAlterConfigResource` (SET and DELETE).
    pub fn alter_configs(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        resource: &ConfigResource,
        set: &BTreeMap<String, String>,
        delete: &[String],
    ) -> Result<(), CommandError> {
        if !self.is_active() {
            return Err(CommandError::NoActiveController);
        }
        match resource {
            ConfigResource::Topic(topic) => self.validate_topic_change(topic, set)?,
            ConfigResource::Broker(broker) => self.validate_broker_change(broker, set, delete)?,
        }
        let mut records: Vec<MetadataRecord> = set
            .iter()
            .map(|(k, v)| MetadataRecord::Config {
                resource: resource.clone(),
                name: k.clone(),
                value: Some(v.trim().to_string()),
            })
            .collect();
        records.extend(delete.iter().map(|k| MetadataRecord::Config {
            resource: resource.clone(),
            name: k.clone(),
            value: None,
        }));
        ctx.emit(Event::ConfigsAltered {
            resource: resource.clone(),
            set: set.clone(),
            deleted: delete.to_vec(),
        });
        if !records.is_empty() {
            self.append(ctx, records);
        }
        Ok(())
    }

    /// Kafka: `ControllerConfigurationValidator.validate` for a topic (`LogConfig.validate`:
    /// known names, then each value against its `ConfigDef`), then the existence check.
    fn validate_topic_change(
        &self,
        topic: &str,
        set: &BTreeMap<String, String>,
    ) -> Result<(), CommandError> {
        let Some(existing) = self.image.topics.get(topic) else {
            return Err(CommandError::UnknownTopic(topic.to_string()));
        };
        let mut values = existing.config.clone();
        for (k, v) in set {
            values = def::with_value(TOPIC_KEYS, &values, k, v)?;
        }
        Ok(())
    }

    /// Kafka: `ConfigAdminManager.validateBrokerConfigChange` and
    /// `DynamicBrokerConfig.validateConfigs`: only reconfigurable keys, each value checked.
    fn validate_broker_change(
        &self,
        broker: &str,
        set: &BTreeMap<String, String>,
        delete: &[String],
    ) -> Result<(), CommandError> {
        if !broker.is_empty() && broker.parse::<u32>().is_err() {
            return Err(CommandError::BadBrokerName(broker.to_string()));
        }
        if let Some(unknown) = set
            .keys()
            .chain(delete)
            .find(|k| !BROKER_KEYS.iter().any(|b| b.name == k.as_str()))
        {
            return Err(
                def::with_value(BROKER_KEYS, &self.config.values, unknown, "")
                    .err()
                    .map_or(
                        CommandError::ConfigsNotDynamic(vec![unknown.clone()]),
                        CommandError::Config,
                    ),
            );
        }
        let fixed: Vec<String> = set
            .keys()
            .chain(delete)
            .filter(|k| !DYNAMIC_BROKER_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        if !fixed.is_empty() {
            return Err(CommandError::ConfigsNotDynamic(fixed));
        }
        let mut values = self.config.values.clone();
        for (k, v) in set {
            values = def::with_value(BROKER_KEYS, &values, k, v)?;
        }
        Ok(())
    }
}

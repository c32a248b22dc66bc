//! Deleting topics (Kafka's `ReplicationControlManager.deleteTopics`): the active controller
//! checks every name, then writes one `RemoveTopicRecord` per topic. The topics leave its image
//! at once; brokers delete their partitions when the records reach them, and clients then get
//! `UNKNOWN_TOPIC_OR_PARTITION` as they would from Kafka.

use super::Controller;
use crate::kafka::commands::CommandError;
use crate::kafka::event::Event;
use crate::kafka::metadata::MetadataRecord;
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Controller {
    /// Kafka: `ReplicationControlManager.deleteTopics`. All or nothing: an unknown name refuses
    /// the whole command, so a refused command changes nothing.
    pub fn delete_topics(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        topics: &[String],
    ) -> Result<(), CommandError> {
        if !self.is_active() {
            return Err(CommandError::NoActiveController);
        }
        let mut names: Vec<String> = Vec::new();
        for topic in topics {
            if !self.image.topics.contains_key(topic) {
                return Err(CommandError::UnknownTopic(topic.clone()));
            }
            if !names.contains(topic) {
                names.push(topic.clone());
            }
        }
        if names.is_empty() {
            return Ok(());
        }
        ctx.emit(Event::TopicsDeleted {
            topics: names.clone(),
        });
        let records = names
            .into_iter()
            .map(|name| MetadataRecord::RemoveTopic { name })
            .collect();
        self.append(ctx, records);
        Ok(())
    }
}

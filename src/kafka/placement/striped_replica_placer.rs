//! Kafka 4.0's KRaft replica placement (`StripedReplicaPlacer`) for a cluster without racks,
//! ported so that the same random stream gives the same placement as Kafka's Java class.
//!
//! # How Kafka places replicas when there are no racks
//!
//! The controller sorts the unfenced brokers into one list and the fenced brokers into
//! another, and picks a random starting offset in each. Every partition starts one broker
//! further along the unfenced list than the one before, then takes its followers by walking
//! on round the unfenced list, and only when every unfenced broker is already in the
//! partition does it continue onto the fenced list. So with brokers 1, 2, 3 and a starting
//! offset landing on broker 2, replication factor 3 gives `[2,3,1] [3,1,2] [1,2,3]`: the
//! characteristic "stripes". A leader is never fenced.
//!
//! Once as many partitions have been placed as there are unfenced brokers, each list is
//! shuffled (`Collections.shuffle`) so the next round of stripes uses a different order
//! instead of repeating the same replica sets. Each `place` call (one `CreateTopics` or
//! `CreatePartitions`) starts afresh, with new random offsets.
//!
//! The random draws happen in Kafka's order, including draws made before an error is
//! returned, so a simulator sharing one generator across calls stays in step with Kafka.
//! Kafka's rack machinery is collapsed to its one-rack case; where the rack layer still draws
//! a random number, so does this port.

use super::RandomSource;

/// A broker the placer may use, as Kafka's `UsableBroker` without the rack.
///
/// Kafka's controller leaves out brokers in controlled shutdown before calling the placer;
/// the simulator should do the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsableBroker {
    /// The broker's `node.id`; Kafka node ids are never negative.
    pub id: i32,
    /// A fenced broker may hold followers when unfenced ones run out, but never a leader.
    pub fenced: bool,
}

/// Why a placement was refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlacementError {
    /// Kafka's `InvalidReplicationFactorException`, with Kafka's message word for word.
    /// The controller turns this into the `INVALID_REPLICATION_FACTOR` error code.
    InvalidReplicationFactor { message: String },
    /// Java's `IllegalArgumentException`, which Kafka's placer throws (from
    /// `new ArrayList<>(numPartitions)`) when asked for a negative number of partitions.
    /// Kafka's controller rejects such requests earlier, with `INVALID_PARTITIONS`.
    IllegalArgument { message: String },
    /// The broker list had a negative or repeated id. Kafka cannot get here (its controller
    /// keys brokers by id and node ids are non-negative), so this is a simulator-side check
    /// and names no Kafka exception.
    InvalidBrokerList { message: String },
}

impl PlacementError {
    /// The Java exception Kafka would throw, or `InvalidBrokerList` for the simulator check.
    pub fn exception_name(&self) -> &'static str {
        match self {
            PlacementError::InvalidReplicationFactor { .. } => "InvalidReplicationFactorException",
            PlacementError::IllegalArgument { .. } => "IllegalArgumentException",
            PlacementError::InvalidBrokerList { .. } => "InvalidBrokerList",
        }
    }

    /// The exception's message, as Kafka words it.
    pub fn message(&self) -> &str {
        match self {
            PlacementError::InvalidReplicationFactor { message }
            | PlacementError::IllegalArgument { message }
            | PlacementError::InvalidBrokerList { message } => message,
        }
    }
}

impl std::fmt::Display for PlacementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.exception_name(), self.message())
    }
}

impl std::error::Error for PlacementError {}

/// Places `num_partitions` partitions of `replication_factor` replicas on `brokers`.
///
/// Returns one replica list per partition, in partition order; the first replica of each is
/// the preferred leader. `start_partition` is accepted because Kafka's `PlacementSpec` carries
/// it (it is non-zero for `CreatePartitions`), but the striped placer does not use it.
/// The order of `brokers` does not matter: Kafka sorts before drawing offsets.
pub fn place(
    random: &mut impl RandomSource,
    brokers: &[UsableBroker],
    start_partition: i32,
    num_partitions: i32,
    replication_factor: i16,
) -> Result<Vec<Vec<i32>>, PlacementError> {
    // Kafka keeps startPartition in the spec for other placers; striping ignores it.
    let _ = start_partition;
    // Checked before any draw: Kafka has no such case, so there is no stream to match.
    check_broker_list(brokers)?;
    // Kafka builds its RackList (drawing the starting offsets) before validating, so a
    // refused request still advances the shared generator; do the same.
    let mut stripes = Stripes::new(random, brokers);
    check_replication_factor(
        replication_factor,
        stripes.num_unfenced_brokers,
        stripes.num_total_brokers,
    )?;
    if num_partitions < 0 {
        // Kafka's `new ArrayList<>(numPartitions)` throws this before placing anything.
        return Err(PlacementError::IllegalArgument {
            message: format!("Illegal Capacity: {num_partitions}"),
        });
    }
    let replication_factor = u32::try_from(replication_factor)
        .expect("checked above: the replication factor is positive");
    Ok((0..num_partitions)
        .map(|_| stripes.place(random, replication_factor))
        .collect())
}

/// Rejects what Kafka's controller could never pass: negative or repeated broker ids (the
/// Java code uses -1 as "no broker", and a repeat could put two replicas on one broker), or
/// more brokers than a Java `int` counts.
fn check_broker_list(brokers: &[UsableBroker]) -> Result<(), PlacementError> {
    if i32::try_from(brokers.len()).is_err() {
        return Err(PlacementError::InvalidBrokerList {
            message: format!("{} brokers is more than Kafka can count", brokers.len()),
        });
    }
    let mut ids: Vec<i32> = brokers.iter().map(|broker| broker.id).collect();
    ids.sort_unstable();
    if let Some(&id) = ids.iter().find(|&&id| id < 0) {
        return Err(PlacementError::InvalidBrokerList {
            message: format!("broker id {id} is negative; Kafka node ids are never negative"),
        });
    }
    if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(PlacementError::InvalidBrokerList {
            message: format!("broker id {} appears more than once", pair[0]),
        });
    }
    Ok(())
}

/// Kafka's three replication-factor checks, in the order `StripedReplicaPlacer.place` makes
/// them; the order decides which message a request with several faults gets.
fn check_replication_factor(
    replication_factor: i16,
    num_unfenced_brokers: u32,
    num_total_brokers: u32,
) -> Result<(), PlacementError> {
    let message = if replication_factor <= 0 {
        format!(
            "Invalid replication factor {replication_factor}: the replication factor must be positive."
        )
    } else if num_unfenced_brokers == 0 {
        "All brokers are currently fenced.".to_string()
    } else if i64::from(replication_factor) > i64::from(num_total_brokers) {
        format!(
            "The target replication factor of {replication_factor} cannot be reached because only \
             {num_total_brokers} broker(s) are registered."
        )
    } else {
        return Ok(());
    };
    Err(PlacementError::InvalidReplicationFactor { message })
}

/// Kafka's `RackList` holding its single rack (`Optional.empty()`), which in turn holds one
/// `BrokerList` of unfenced and one of fenced brokers.
///
/// Invariant: `num_unfenced_brokers` and `num_total_brokers` count the brokers in the lists,
/// and `epoch` counts partitions placed since the last shuffle.
struct Stripes {
    unfenced: BrokerList,
    fenced: BrokerList,
    num_unfenced_brokers: u32,
    num_total_brokers: u32,
    epoch: u32,
}

impl Stripes {
    /// Kafka's `RackList` constructor: split by fencing in input order, then sort each list
    /// and draw its starting offset (fenced list first, as `Rack.initialize` does).
    fn new(random: &mut impl RandomSource, brokers: &[UsableBroker]) -> Stripes {
        let mut unfenced = BrokerList::default();
        let mut fenced = BrokerList::default();
        for broker in brokers {
            if broker.fenced {
                fenced.brokers.push(broker.id);
            } else {
                unfenced.brokers.push(broker.id);
            }
        }
        fenced.initialize(random);
        unfenced.initialize(random);
        if !brokers.is_empty() {
            // Kafka draws the rack offset with `nextInt(rackNames.size())`. With one rack
            // that is `nextInt(1)`, always 0, but it still advances the generator.
            let rack_offset = random.next_int(1);
            debug_assert_eq!(rack_offset, 0, "RandomSource contract: next_int(1) is 0");
        }
        Stripes {
            num_unfenced_brokers: unfenced.len(),
            num_total_brokers: unfenced.len() + fenced.len(),
            unfenced,
            fenced,
            epoch: 0,
        }
    }

    /// Kafka's `RackList.place` for one partition: the leader from the unfenced list, then
    /// followers from the unfenced list and, once that is used up, the fenced list.
    ///
    /// Callers have checked `1 <= replication_factor <= num_total_brokers` and
    /// `num_unfenced_brokers >= 1`.
    fn place(&mut self, random: &mut impl RandomSource, replication_factor: u32) -> Vec<i32> {
        // After one partition per unfenced broker, the stripes would start repeating the
        // same replica sets, so Kafka reshuffles. A single unfenced broker is never reset:
        // its list would otherwise keep the stale epoch and run dry.
        if self.epoch == self.num_unfenced_brokers && self.num_unfenced_brokers > 1 {
            // Kafka also shuffles its list of rack names, which draws nothing for one rack.
            self.fenced.shuffle(random);
            self.unfenced.shuffle(random);
            self.epoch = 0;
        }
        let epoch = self.epoch;
        let leader = self.unfenced.next(epoch).expect(
            "every call starts a new epoch for the unfenced list, which is non-empty, \
             so it yields a leader",
        );
        let mut replicas = vec![leader];
        for _ in 1..replication_factor {
            let follower = self
                .unfenced
                .next(epoch)
                .or_else(|| self.fenced.next(epoch))
                .expect("replication factor <= total brokers, so the two lists cover it");
            replicas.push(follower);
        }
        // Java's int would wrap after 2^31 partitions; epochs are only compared for
        // equality, so wrapping u32 behaves the same.
        self.epoch = self.epoch.wrapping_add(1);
        replicas
    }
}

/// Kafka's `BrokerList`: a list walked round from a moving offset, at most once per epoch.
///
/// Invariant: once non-empty, `offset < brokers.len()`, and `index <= brokers.len()`.
#[derive(Default)]
struct BrokerList {
    brokers: Vec<i32>,
    /// How many brokers this epoch has taken from the list.
    index: u32,
    /// Where this epoch's walk starts; advanced by one at each new epoch.
    offset: u32,
    /// The epoch of the last `next` call; a different epoch restarts the walk.
    epoch: u32,
}

impl BrokerList {
    fn len(&self) -> u32 {
        u32::try_from(self.brokers.len()).expect("check_broker_list bounds the count by i32::MAX")
    }

    /// Sort, so the order does not depend on how the controller iterated its brokers, then
    /// start at a random broker so low ids are not favoured for leadership.
    fn initialize(&mut self, random: &mut impl RandomSource) {
        if !self.brokers.is_empty() {
            self.brokers.sort_unstable();
            self.offset = random.next_int(self.len());
        }
    }

    /// `Collections.shuffle(list, random)`: Fisher-Yates from the back, as the JDK does for
    /// random-access lists. The offset is kept, so the walk continues at the same position
    /// in the new order.
    fn shuffle(&mut self, random: &mut impl RandomSource) {
        for i in (2..=self.len()).rev() {
            let j = random.next_int(i);
            self.brokers.swap(to_index(i - 1), to_index(j));
        }
    }

    /// The next broker this epoch, or `None` once every broker has been taken this epoch.
    fn next(&mut self, epoch: u32) -> Option<i32> {
        if self.brokers.is_empty() {
            return None;
        }
        if self.epoch != epoch {
            self.epoch = epoch;
            self.index = 0;
            self.offset = (self.offset + 1) % self.len();
        }
        if self.index >= self.len() {
            return None;
        }
        let broker = self.brokers[to_index((self.index + self.offset) % self.len())];
        self.index += 1;
        Some(broker)
    }
}

/// Positions are kept as `u32` (portable across 32- and 64-bit targets) and widened only to
/// index a slice.
fn to_index(position: u32) -> usize {
    usize::try_from(position).expect("u32 fits in usize on every supported target")
}

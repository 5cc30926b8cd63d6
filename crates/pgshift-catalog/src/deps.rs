//! [`DepSet`]: the set of objects an object needs, as an exactly sized sorted vector.
//!
//! Nearly every object of a catalog has a few dependencies (its schema, the table a key or
//! index is on, a type), and the diff's dependency graph holds one such set per node of both
//! catalogs. As a `BTreeSet` each non-empty set cost a whole B-tree leaf (eleven slots, about
//! 650 bytes) even for one element; at 5,000 tables those leaves were about a third of a diff's
//! peak memory. A `DepSet` costs what it holds. Inserting is linear in the set's size, which
//! stays small (a view over many tables has tens).
//!
//! It keeps `BTreeSet`'s behaviour where callers rely on it: iteration in order, no duplicates,
//! and (de)serialization as a plain sequence, so the JSON caches do not change.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::ObjectRef;

/// A sorted set of objects without duplicates, with no spare capacity.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct DepSet(Vec<ObjectRef>);

impl DepSet {
    /// The empty set (allocates nothing).
    pub fn new() -> Self {
        DepSet(Vec::new())
    }

    /// Add `object`; false when it was there already.
    pub fn insert(&mut self, object: ObjectRef) -> bool {
        match self.0.binary_search(&object) {
            Ok(_) => false,
            Err(at) => {
                // Grow by one: sets are small and mostly built once, so spare room is waste.
                self.0.reserve_exact(1);
                self.0.insert(at, object);
                true
            }
        }
    }

    /// Remove `object`; false when it was not there.
    pub fn remove(&mut self, object: &ObjectRef) -> bool {
        match self.0.binary_search(object) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `object` is in the set.
    pub fn contains(&self, object: &ObjectRef) -> bool {
        self.0.binary_search(object).is_ok()
    }

    /// The objects, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, ObjectRef> {
        self.0.iter()
    }

    /// How many objects it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sort, drop duplicates and spare capacity (after appending in bulk).
    fn normalize(&mut self) {
        self.0.sort_unstable();
        self.0.dedup();
        self.0.shrink_to_fit();
    }
}

impl fmt::Debug for DepSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.0).finish()
    }
}

impl Extend<ObjectRef> for DepSet {
    fn extend<I: IntoIterator<Item = ObjectRef>>(&mut self, iter: I) {
        let before = self.0.len();
        self.0.extend(iter);
        if self.0.len() != before {
            self.normalize();
        }
    }
}

impl FromIterator<ObjectRef> for DepSet {
    fn from_iter<I: IntoIterator<Item = ObjectRef>>(iter: I) -> Self {
        let mut set = DepSet(iter.into_iter().collect());
        set.normalize();
        set
    }
}

impl<const N: usize> From<[ObjectRef; N]> for DepSet {
    fn from(objects: [ObjectRef; N]) -> Self {
        objects.into_iter().collect()
    }
}

impl IntoIterator for DepSet {
    type Item = ObjectRef;
    type IntoIter = std::vec::IntoIter<ObjectRef>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a DepSet {
    type Item = &'a ObjectRef;
    type IntoIter = std::slice::Iter<'a, ObjectRef>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for DepSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DepSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<ObjectRef>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QualName;

    fn table(name: &str) -> ObjectRef {
        ObjectRef::Table { name: QualName::new("public", name) }
    }

    #[test]
    fn behaves_as_an_ordered_set() {
        let mut set = DepSet::new();
        assert!(set.insert(table("b")));
        assert!(set.insert(table("a")));
        assert!(!set.insert(table("b")));
        set.extend([table("c"), table("a")]);
        assert_eq!(set.iter().cloned().collect::<Vec<_>>(), vec![table("a"), table("b"), table("c")]);
        assert_eq!(set.0.capacity(), set.0.len());
        assert!(set.contains(&table("c")) && !set.contains(&table("d")));
        assert!(set.remove(&table("a")) && !set.remove(&table("a")));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn serializes_as_a_sorted_sequence() {
        let set: DepSet = [table("b"), table("a"), table("b")].into();
        let json = serde_json::to_string(&set).unwrap();
        let back: DepSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
        let list: Vec<ObjectRef> = serde_json::from_str(&json).unwrap();
        assert_eq!(list, vec![table("a"), table("b")]);
    }
}

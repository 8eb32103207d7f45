//! One page of a keyset-paged read (the console's org list and directory pages): the items,
//! and the key to continue after when another page follows. Each page statement reads one row
//! more than a page; that row only says "there is more" and is never returned.

/// A page of `T` and the key of its last item when another page follows (the client passes
/// it back as `after`).
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> KeysetPage<T> {
    /// Cuts `rows` (a page statement's result, `size + 1` rows at most) to `size`: the key to
    /// continue after is `key` of the last kept row, when a row was cut.
    pub fn cut<R>(
        mut rows: Vec<R>,
        size: usize,
        key: impl Fn(&R) -> String,
        item: impl FnMut(R) -> T,
    ) -> KeysetPage<T> {
        let next = if rows.len() > size {
            rows.truncate(size);
            rows.last().map(key)
        } else {
            None
        };
        KeysetPage {
            items: rows.into_iter().map(item).collect(),
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_is_cut_and_names_the_next_key() {
        let page = KeysetPage::cut(vec![1, 2, 3], 2, |n| format!("k{n}"), |n| n * 10);
        assert_eq!(
            page,
            KeysetPage {
                items: vec![10, 20],
                next: Some("k2".into())
            }
        );
        let last = KeysetPage::cut(vec![1, 2], 2, |n| format!("k{n}"), |n| n);
        assert_eq!(last.next, None);
        assert_eq!(last.items, [1, 2]);
        let empty = KeysetPage::cut(Vec::<i32>::new(), 2, |n| n.to_string(), |n| n);
        assert!(empty.items.is_empty() && empty.next.is_none());
    }
}

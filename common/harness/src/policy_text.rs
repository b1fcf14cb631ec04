//! Step 4's policy files edited as a learner edits them: a rule deleted, and
//! each rule checked for the comment above it that says why it is there.

/// Policy `text` without its (first) rule for `syscall`: what a learner gets
/// after deleting that rule from a copy of the file. The rule ends at the next
/// blank line.
#[track_caller]
pub fn policy_without_rule(text: &str, syscall: &str) -> String {
    let rule = format!("[[rule]]\nsyscall = \"{syscall}\"\n");
    let start = text
        .find(&rule)
        .unwrap_or_else(|| panic!("the policy has a rule for {syscall}"));
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |end| start + end);
    format!("{}{}", &text[..start], &text[end..])
}

/// The shipped policy without its `clone` rule: what a learner gets after
/// deleting that rule from a copy of `policy.toml`.
pub fn shipped_policy_without_clone() -> String {
    policy_without_rule(common::policy::SHIPPED_POLICY, "clone")
}

/// Asserts that every `[[rule]]` of policy `text` has a comment right above
/// it, saying why it is there.
#[track_caller]
pub fn assert_every_rule_says_why(text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("[[rule]]") {
            let above = lines[..index].last().map(|l| l.trim_start());
            assert!(
                above.is_some_and(|l| l.starts_with('#') && l.len() > 2),
                "the rule on line {} has no comment above it",
                index + 1
            );
        }
    }
}

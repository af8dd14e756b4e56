//! The page's tabs: the live cluster, and the single-topic log page.

use yew::prelude::*;

use crate::state::live::Tab;

/// Props of [`Tabs`].
#[derive(Properties, PartialEq)]
pub struct TabsProps {
    /// The tab shown.
    pub current: Tab,
    /// Show another tab.
    pub on_select: Callback<Tab>,
}

/// The tab strip.
#[component]
pub fn Tabs(props: &TabsProps) -> Html {
    let tab = |tab: Tab, testid: &'static str, label: &'static str| {
        let onclick = props.on_select.reform(move |_: MouseEvent| tab);
        let selected = props.current == tab;
        html! {
            <button role="tab" class={classes!("tab", selected.then_some("selected"))} data-testid={testid}
                aria-selected={selected.to_string()} {onclick}>{ label }</button>
        }
    };
    html! {
        <nav class="tabs" role="tablist" aria-label="views">
            { tab(Tab::Cluster, "tab-cluster", "Live cluster") }
            { tab(Tab::Log, "tab-log", "One partition log: partitioner, segments, retention") }
        </nav>
    }
}

//! Pieces the panes and popups are drawn with: the form, the tab editor behind every
//! settings pane, and the frame around them.

pub mod chrome;
pub mod form;
pub mod input;
pub mod scroll;
pub mod tab_editor;
pub mod table;

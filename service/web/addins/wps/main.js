// The 讲稿 WPS add-in (JS 加载项, online mode): the ribbon's callbacks. WPS loads index.html and
// ribbon.xml from the service's /addins/wps/; the task pane is /addins/wps/taskpane.html.
"use strict";

const PANE_ID_KEY = "jianggao_taskpane_id";
const VIEWS = { jianggaoPane: "", jianggaoCheck: "check", jianggaoSettings: "settings" };

/** The task pane, made once and shown again afterwards; `view` opens it at a section. */
function showTaskPane(view) {
  const url = new URL(`taskpane.html${view ? `#${view}` : ""}`, window.location.href).href;
  const id = window.wps.PluginStorage.getItem(PANE_ID_KEY);
  let taskPane = id ? window.wps.GetTaskPane(id) : null;
  if (!taskPane) {
    taskPane = window.wps.CreateTaskPane(url, "讲稿");
    window.wps.PluginStorage.setItem(PANE_ID_KEY, taskPane.ID);
  } else if (view) {
    taskPane.Navigate(url);
  }
  taskPane.DockPosition = 2; // right (JSKsoEnum_msoCTPDockPositionRight)
  taskPane.Visible = true;
  return taskPane;
}

const ribbon = {
  OnAddinLoad(ribbonUI) {
    if (typeof window.Application.ribbonUI !== "object") window.Application.ribbonUI = ribbonUI;
    return true;
  },
  OnAction(control) {
    if (control.Id in VIEWS) showTaskPane(VIEWS[control.Id]);
    return true;
  },
  GetImage() {
    return "images/jianggao.svg";
  },
};

window.ribbon = ribbon;

// Talking to the 讲稿 service's /v1 API: the one home of this code for the page, the WPS and
// Word add-ins' task panes (served from /static/api.js too). Plain browser JavaScript.
"use strict";

/** An answer of the service that is not a success, with its problem+json document. */
class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

const JianggaoApi = (() => {
  const DOWN = {
    title: "连不上讲稿服务",
    detail: "请确认服务已经启动、地址填写正确、网络正常，再试一次。",
  };

  async function readProblem(response) {
    try {
      return await response.json();
    } catch {
      return { title: `服务返回错误 ${response.status}`, detail: response.statusText || "没有说明" };
    }
  }

  /** A client of the service at `base` ("" for the page's own origin); `key()` gives the key. */
  function client({ base = () => "", key = () => "" } = {}) {
    const root = () => String(base() || "").replace(/\/+$/, "");

    /** fetch with the key, JSON in, problem+json turned into ApiError; never a bare network error. */
    async function call(method, path, { body, accept, signal } = {}) {
      const headers = body === undefined ? {} : { "Content-Type": "application/json" };
      if (key()) headers.Authorization = `Bearer ${key()}`;
      if (accept) headers.Accept = accept;
      let response;
      try {
        response = await fetch(root() + path, {
          method, headers, signal,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        if (error.name === "AbortError") throw error;
        throw new ApiError(0, DOWN);
      }
      if (!response.ok) throw new ApiError(response.status, await readProblem(response));
      return response;
    }

    /** POST a brief and follow the draft as it is written: onEvent(name, data) per event;
     * resolves with the saved draft, rejects with ApiError (an `error` event, a cut stream). */
    async function streamDraft(body, onEvent, signal) {
      const response = await call("POST", "/v1/drafts", { body, accept: "text/event-stream", signal });
      let result = null;
      await readEvents(response, (name, data) => {
        onEvent(name, data);
        if (name === "done") result = data;
        if (name === "error") result = new ApiError(data.status || 0, data);
      });
      if (result instanceof ApiError) throw result;
      if (!result) {
        throw new ApiError(0, { title: "连接中断", detail: "草稿还没写完，服务就断开了，请再试一次。" });
      }
      return result;
    }

    const json = async (method, path, options) => (await call(method, path, options)).json();
    return { call, json, streamDraft, root };
  }

  /** Server-Sent Events from a POST (EventSource cannot POST): calls onEvent(name, data). */
  async function readEvents(response, onEvent) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) onEvent(event.name, event.data);
      }
    }
  }

  function parseEvent(block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return data.length ? { name, data: JSON.parse(data.join("\n")) } : null;
  }

  /** Text for a person: "" for null/undefined, never "null". */
  function plain(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  /** An error as one sentence for a person: the title and what to do, never developer text. */
  function describe(error) {
    if (error && error.status === 401) return "服务要求 API 密钥：请在设置里填写正确的密钥。";
    const problem = (error && error.problem) || { title: "出错了", detail: plain(error && error.message) };
    const title = plain(problem.title) || "出错了";
    const detail = plain(problem.detail);
    return detail ? `${title}：${detail}` : title;
  }

  return { client, readEvents, parseEvent, describe, plain };
})();

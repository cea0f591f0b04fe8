import assert from "node:assert/strict";
import { test } from "node:test";
import { movedSocketURL, notebookSocketURL } from "../../src/net/client";
import { loginUrl, normalizeBase, pagePath, socketUrl, url } from "../../src/net/urls";

test("every URL is built under the base URL", () => {
  const base = "/user/alice/";
  assert.equal(url("/api/kernels", base), "/user/alice/api/kernels");
  assert.equal(url("static/sandbox.html", base), "/user/alice/static/sandbox.html");
  assert.equal(url("api/x"), "/api/x", "no page: the root");
  assert.equal(socketUrl("api/notebooks/a.ipynb/ws", { protocol: "https:", host: "h" }, base), "wss://h/user/alice/api/notebooks/a.ipynb/ws");
  assert.equal(loginUrl("/user/alice/tree/a b", base), "/user/alice/login?next=%2Fuser%2Falice%2Ftree%2Fa%20b");
});

test("the page path is read below the base URL only", () => {
  assert.equal(pagePath("/user/alice/notebooks/a.ipynb", "/user/alice/"), "notebooks/a.ipynb");
  assert.equal(pagePath("/notebooks/a.ipynb", "/user/alice/"), null);
  assert.equal(pagePath("/tree/x", "/"), "tree/x");
});

test("a base URL that could leave the site falls back to the root", () => {
  assert.equal(normalizeBase("/x"), "/x/");
  assert.equal(normalizeBase("//evil.example/"), "/");
  assert.equal(normalizeBase("https://evil.example/"), "/");
  assert.equal(normalizeBase("/\\evil"), "/");
});

test("a notebook's socket under a base URL keeps it when the notebook moves", () => {
  const first = notebookSocketURL("a.ipynb", { protocol: "http:", host: "h:1" }, "/user/bob/");
  assert.equal(first, "ws://h:1/user/bob/api/notebooks/a.ipynb/ws");
  assert.equal(movedSocketURL(first, "d/b.ipynb"), "ws://h:1/user/bob/api/notebooks/d/b.ipynb/ws");
});

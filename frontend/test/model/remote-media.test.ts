import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IFRAME_SANDBOX, mediaUrls, mediaVerdict, urlKind } from "../../src/model/remote-media";

const BASE = "http://127.0.0.1:8888/notebooks/a/b.ipynb";

describe("remote media in notebook HTML", () => {
  test("where a URL loads from", () => {
    assert.equal(urlKind("https://example.org/a.png", BASE), "remote");
    assert.equal(urlKind("http://example.org/a.png", BASE), "refused");
    assert.equal(urlKind("//example.org/a.png", BASE), "refused", "protocol-relative on an http page");
    assert.equal(urlKind("//example.org/a.png", "https://nb.example.com/x"), "remote");
    assert.equal(urlKind("/files/a/x.png", BASE), "local");
    assert.equal(urlKind("x.png", BASE), "local");
    assert.equal(urlKind("data:image/png;base64,AAAA", BASE), "inline");
    assert.equal(urlKind("blob:http://127.0.0.1:8888/1234", BASE), "inline");
    assert.equal(urlKind("javascript:alert(1)", BASE), "refused");
    assert.equal(urlKind("https://[bad", BASE), "refused");
    assert.deepEqual(mediaUrls({ src: "a.png", srcset: "b.png 1x, https://c.org/c.png 2x", poster: " " }), [
      "a.png",
      "b.png",
      "https://c.org/c.png",
    ]);
  });

  test("https images, audio and video are kept, with no referrer and no credentials", () => {
    for (const tag of ["img", "audio", "video", "source", "track"]) {
      const v = mediaVerdict(tag, { src: "https://example.org/x", crossorigin: "use-credentials" }, BASE, "allow");
      assert.deepEqual(v, { keep: true, set: { referrerpolicy: "no-referrer" }, remove: ["crossorigin"] }, tag);
    }
    assert.equal(mediaVerdict("video", { poster: "https://e.org/p.jpg" }, BASE, "allow").keep, true);
    assert.equal(mediaVerdict("img", { srcset: "https://e.org/a.png 2x" }, BASE, "allow").keep, true);
    // Local and inline media need nothing.
    assert.deepEqual(mediaVerdict("img", { src: "data:image/png;base64,AA" }, BASE, "allow").set, {});
    assert.equal(mediaVerdict("img", { src: "/files/x.png" }, BASE, "block").keep, true);
  });

  test("blocked: anything that would load from another origin is dropped", () => {
    for (const tag of ["img", "audio", "video", "source", "track", "iframe"]) {
      assert.equal(mediaVerdict(tag, { src: "https://example.org/x" }, BASE, "block").keep, false, tag);
    }
    assert.equal(mediaVerdict("img", { src: "/files/x.png", srcset: "https://e.org/a.png 2x" }, BASE, "block").keep, false);
    assert.equal(mediaVerdict("video", { poster: "https://e.org/p.jpg" }, BASE, "block").keep, false);
    assert.equal(mediaVerdict("audio", {}, BASE, "block").keep, true, "its <source>s are judged on their own");
  });

  test("http: and javascript: media are dropped, not left to fail", () => {
    assert.equal(mediaVerdict("img", { src: "http://example.org/x.png" }, BASE, "allow").keep, false);
    assert.equal(mediaVerdict("source", { src: "javascript:alert(1)" }, BASE, "allow").keep, false);
  });

  test("iframes: https only, always sandboxed without allow-same-origin", () => {
    const v = mediaVerdict("iframe", { src: "https://www.youtube.com/embed/x", srcdoc: "<script>", allow: "camera" }, BASE, "allow");
    assert.equal(v.keep, true);
    assert.deepEqual(v.set, { sandbox: IFRAME_SANDBOX, referrerpolicy: "no-referrer", credentialless: "" });
    assert.ok(!IFRAME_SANDBOX.includes("allow-same-origin") && !IFRAME_SANDBOX.includes("allow-top-navigation"));
    assert.ok(v.remove.includes("srcdoc") && v.remove.includes("allow"));
    for (const src of ["http://example.org/", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/files/x.html", "x.html", ""]) {
      assert.equal(mediaVerdict("iframe", { src }, BASE, "allow").keep, false, src);
    }
    assert.equal(mediaVerdict("iframe", {}, BASE, "allow").keep, false, "no src (a srcdoc frame)");
    // A same-origin https page (notewire behind TLS) is not remote: kept, sandboxed.
    const own = mediaVerdict("iframe", { src: "/files/x.html" }, "https://nb.example.com/notebooks/a.ipynb", "block");
    assert.equal(own.keep, true);
    assert.equal(own.set["sandbox"], IFRAME_SANDBOX);
  });
});

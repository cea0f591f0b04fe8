// Math in markdown is taken out before the markdown parser runs and put back after it
// (as KaTeX output), so that markdown escaping and emphasis never touch TeX:
// `$a_1 * b_2$` stays math instead of becoming emphasis. Code spans and fenced code
// blocks keep their dollars.

export interface MathPiece {
  readonly tex: string;
  readonly display: boolean;
}

/** The placeholder for math piece `i`: private-use characters markdown leaves alone. */
export function placeholder(i: number): string {
  return `\uE000${i}\uE001`;
}

export const PLACEHOLDER = /\uE000(\d+)\uE001/g;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Splits markdown into text with placeholders and the math pieces they stand for. */
export function extractMath(markdown: string): { text: string; math: MathPiece[] } {
  const math: MathPiece[] = [];
  const out: string[] = [];
  const lines = markdown.split("\n");
  let fence: string | null = null;
  let block: string[] = [];
  const flush = () => {
    if (block.length) out.push(extractInline(block.join("\n"), math));
    block = [];
  };
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (fence !== null) {
      out.push(line);
      if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && line.trim() === m[1]) fence = null;
    } else if (m) {
      flush();
      fence = m[1]!;
      out.push(line);
    } else {
      block.push(line);
    }
  }
  flush();
  return { text: out.join("\n"), math };
}

function extractInline(text: string, math: MathPiece[]): string {
  let out = "";
  let i = 0;
  const take = (tex: string, display: boolean, end: number) => {
    out += placeholder(math.length);
    math.push({ tex, display });
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "(" || next === "[") {
        const close = next === "(" ? "\\)" : "\\]";
        const end = text.indexOf(close, i + 2);
        if (end >= 0) {
          take(text.slice(i + 2, end), next === "[", end + 2);
          continue;
        }
      } else if (text.startsWith("\\begin{", i)) {
        const env = /^\\begin\{([^}]+)\}/.exec(text.slice(i));
        const end = env ? text.indexOf(`\\end{${env[1]}}`, i) : -1;
        if (env && end >= 0) {
          const stop = end + `\\end{${env[1]}}`.length;
          take(text.slice(i, stop), true, stop);
          continue;
        }
      }
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "`") {
      let n = 1;
      while (text[i + n] === "`") n++;
      const ticks = "`".repeat(n);
      let j = text.indexOf(ticks, i + n);
      while (j >= 0 && text[j + n] === "`") {
        let k = j;
        while (text[k] === "`") k++;
        j = text.indexOf(ticks, k);
      }
      const end = j >= 0 ? j + n : i + n;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === "$") {
      const display = text[i + 1] === "$";
      const open = display ? 2 : 1;
      const end = findClosingDollar(text, i + open, display);
      if (end > i + open) {
        take(text.slice(i + open, end), display, end + open);
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

function findClosingDollar(text: string, from: number, display: boolean): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") {
      j++;
      continue;
    }
    // Inline math does not run across a blank line (a new paragraph).
    if (!display && c === "\n" && /^\n[ \t]*\n/.test(text.slice(j))) return -1;
    if (c === "$") {
      if (!display) return j;
      if (text[j + 1] === "$") return j;
    }
  }
  return -1;
}

// --- TeX as MathJax (JupyterLab) reads it, in the subset KaTeX renders --------------

/** Environments KaTeX lacks or numbers where JupyterLab does not, and what stands in:
 * JupyterLab's MathJax numbers no equations, so the numbered forms become starred ones;
 * `eqnarray` is a three-column `rcl` array in display style. */
const ENVIRONMENTS: Readonly<Record<string, string>> = {
  equation: "equation*",
  align: "align*",
  gather: "gather*",
  alignat: "alignat*",
  flalign: "align*",
  "flalign*": "align*",
  multline: "gather*",
  "multline*": "gather*",
  eqnarray: "darray",
  "eqnarray*": "darray",
};

const NEWCOMMAND = /\\(?:re)?newcommand\*?\s*(?:\{\s*(\\[A-Za-z]+|\\.)\s*\}|(\\[A-Za-z]+|\\.))\s*(?:\[\s*(\d)\s*\])?/g;

/**
 * Rewrites TeX that JupyterLab's MathJax renders into TeX KaTeX renders the same way:
 * the environments above, no `\label` (KaTeX has no references), and `\newcommand` /
 * `\renewcommand` as `\gdef`, which (like MathJax) may redefine a macro and, with a
 * shared macro table, lasts into later cells. A display with `\\` outside any
 * environment is set as centred lines (`gathered`), as MathJax shows it.
 */
export function translateTex(tex: string, display: boolean): string {
  let out = tex.replace(/\\(begin|end)\s*\{([^}]*)\}/g, (whole, which: string, env: string) => {
    const to = ENVIRONMENTS[env];
    if (to === undefined) return whole;
    if (to === "darray") return which === "begin" ? "\\begin{darray}{rcl}" : "\\end{darray}";
    return `\\${which}{${to}}`;
  });
  out = out.replace(/\\label\s*\{[^}]*\}/g, "");
  out = out.replace(NEWCOMMAND, (_, braced: string | undefined, bare: string | undefined, n: string | undefined) => {
    const params = Array.from({ length: Number(n ?? 0) }, (_, i) => `#${i + 1}`).join("");
    return `\\gdef${braced ?? bare}${params}`;
  });
  if (display && hasTopLevelBreak(out)) out = `\\begin{gathered}${out}\\end{gathered}`;
  return out;
}

/** Whether `\\` appears outside every environment and brace group. */
function hasTopLevelBreak(tex: string): boolean {
  let envs = 0;
  let braces = 0;
  for (let i = 0; i < tex.length; i++) {
    const c = tex[i];
    if (c === "{") braces++;
    else if (c === "}") braces--;
    else if (c === "\\") {
      if (tex.startsWith("\\begin", i)) envs++;
      else if (tex.startsWith("\\end", i)) envs--;
      else if (tex[i + 1] === "\\" && envs === 0 && braces === 0) return true;
      i++;
    }
  }
  return false;
}

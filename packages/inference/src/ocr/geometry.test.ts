import {
  convexHull,
  insideConvexQuad,
  minAreaRect,
  orderQuad,
  quadAreaPerimeter,
  rectCorners,
  type Point,
} from "./geometry";

describe("convexHull", () => {
  it("keeps the corners of a filled square and drops inner, edge and repeated points", () => {
    const pts: Point[] = [];
    for (let x = 0; x <= 4; x++) for (let y = 0; y <= 4; y++) pts.push([x, y], [x, y]);
    const hull = convexHull(pts);
    expect(hull).toHaveLength(4);
    expect(new Set(hull.map((p) => p.join(",")))).toEqual(new Set(["0,0", "4,0", "4,4", "0,4"]));
  });
});

describe("minAreaRect", () => {
  it("recovers a rotated rectangle from points filling it", () => {
    const angle = 0.3;
    const [w, h] = [40, 10];
    const pts: Point[] = [];
    for (let u = -w / 2; u <= w / 2; u += 0.5) {
      for (let v = -h / 2; v <= h / 2; v += 0.5) {
        pts.push([100 + u * Math.cos(angle) - v * Math.sin(angle), 50 + u * Math.sin(angle) + v * Math.cos(angle)]);
      }
    }
    const r = minAreaRect(pts);
    expect(r.cx).toBeCloseTo(100, 6);
    expect(r.cy).toBeCloseTo(50, 6);
    expect(Math.max(r.width, r.height)).toBeCloseTo(w, 6);
    expect(Math.min(r.width, r.height)).toBeCloseTo(h, 6);
  });

  it("handles degenerate sets", () => {
    expect(minAreaRect([])).toMatchObject({ width: 0, height: 0 });
    expect(
      minAreaRect([
        [3, 4],
        [3, 4],
      ]),
    ).toMatchObject({ cx: 3, cy: 4, width: 0, height: 0 });
    const line = minAreaRect([
      [0, 2],
      [10, 2],
      [5, 2],
    ]);
    expect(line.cx).toBeCloseTo(5);
    expect(Math.max(line.width, line.height)).toBeCloseTo(10);
    expect(Math.min(line.width, line.height)).toBeCloseTo(0);
  });
});

describe("quads", () => {
  it("orders corners tl, tr, br, bl whatever the input order", () => {
    expect(
      orderQuad([
        [10, 5],
        [0, 5],
        [10, 0],
        [0, 0],
      ]),
    ).toEqual([
      [0, 0],
      [10, 0],
      [10, 5],
      [0, 5],
    ]);
    const q = rectCorners({ cx: 50, cy: 20, width: 60, height: 10, angle: Math.PI }); // upside down
    expect(q[0][0]).toBeCloseTo(20);
    expect(q[0][1]).toBeCloseTo(15);
    expect(q[2][0]).toBeCloseTo(80);
    expect(q[2][1]).toBeCloseTo(25);
  });

  it("tests points against a quad and measures it", () => {
    const q = orderQuad([
      [0, 0],
      [10, 0],
      [10, 4],
      [0, 4],
    ]);
    expect(insideConvexQuad(q, 5, 2)).toBe(true);
    expect(insideConvexQuad(q, 0, 0)).toBe(true);
    expect(insideConvexQuad(q, 11, 2)).toBe(false);
    expect(quadAreaPerimeter(q)).toEqual({ area: 40, perimeter: 28 });
  });
});

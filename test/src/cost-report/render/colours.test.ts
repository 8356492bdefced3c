import {
  ANOMALY_COLOUR, OTHER_SERVICES_COLOUR, SERVICE_PALETTE, TAGGED_COLOUR, UNTAGGED_COLOUR,
  assignServiceColours, colourDifference, contrastRatio,
} from '../../../../src/cost-report/render/colours';

const WHITE = '#FFFFFF';
const DRAWN = [...SERVICE_PALETTE, OTHER_SERVICES_COLOUR, UNTAGGED_COLOUR, TAGGED_COLOUR, ANOMALY_COLOUR];

describe('contrastRatio', () => {
  test('matches the WCAG figures: black on white 21:1, a colour on itself 1:1, #767676 on white 4.5:1', () => {
    expect(contrastRatio('#000000', WHITE)).toBeCloseTo(21, 5);
    expect(contrastRatio('#0072B2', '#0072B2')).toBe(1);
    expect(contrastRatio('#767676', WHITE)).toBeCloseTo(4.54, 2);
  });

  test('fails the colours the page used to draw with: Okabe-Ito yellow, orange and sky blue are under 3:1', () => {
    for (const pale of ['#F0E442', '#E69F00', '#56B4E9', '#88CCEE', '#9E9E9E']) {
      expect(contrastRatio(pale, WHITE)).toBeLessThan(3);
    }
  });
});

describe('the palette', () => {
  test('every drawn colour has at least 3:1 contrast against the white page (WCAG non-text contrast)', () => {
    const weak = DRAWN.filter(c => contrastRatio(c, WHITE) < 3).map(c => `${c} ${contrastRatio(c, WHITE).toFixed(2)}:1`);
    expect(weak).toEqual([]);
  });

  test('service colours are told apart from each other, from Other services, the untagged row and anomalies', () => {
    const others = [...SERVICE_PALETTE, OTHER_SERVICES_COLOUR, UNTAGGED_COLOUR, ANOMALY_COLOUR];
    const close: string[] = [];
    others.forEach((a, i) => others.slice(i + 1).forEach(b => {
      if (colourDifference(a, b) < 20) close.push(`${a} ~ ${b}`);
    }));
    expect(close).toEqual([]);
    expect(new Set(SERVICE_PALETTE).size).toBe(SERVICE_PALETTE.length);
  });
});

describe('assignServiceColours', () => {
  const totals = new Map([['EC2', 100], ['S3', 50], ['RDS', 30], ['Glue', 10]]);

  test('a service gets one colour in every chart, the largest service the first colour', () => {
    const colours = assignServiceColours([['S3', 'EC2'], ['RDS', 'EC2'], ['S3', 'RDS']], totals);
    expect(colours.get('EC2')).toBe(SERVICE_PALETTE[0]);
    expect(colours.get('S3')).toBe(SERVICE_PALETTE[1]);
    expect(colours.get('RDS')).toBe(SERVICE_PALETTE[2]);
  });

  test('services of one chart never share a colour', () => {
    const charts = [['EC2', 'S3', 'RDS'], ['Glue', 'S3'], ['Glue', 'EC2', 'RDS']];
    const colours = assignServiceColours(charts, totals);
    for (const chart of charts) {
      expect(new Set(chart.map(s => colours.get(s))).size).toBe(chart.length);
    }
  });

  test('a colour is reused only by services that never meet in a chart', () => {
    const colours = assignServiceColours([['EC2'], ['S3']], totals, ['#0072B2', '#009E73']);
    expect(colours.get('EC2')).toBe('#0072B2');
    expect(colours.get('S3')).toBe('#0072B2');
  });

  test('a service left without a free colour is left out of the map (drawn under Other services)', () => {
    const colours = assignServiceColours([['EC2', 'S3', 'RDS']], totals, ['#0072B2', '#009E73']);
    expect([...colours.keys()]).toEqual(['EC2', 'S3']);
  });

  test('a colour that is not #RRGGBB is rejected with the value and the form expected', () => {
    expect(() => contrastRatio('yellow', WHITE)).toThrow(/colour \(yellow\) must be written #RRGGBB/);
  });
});

import { describe, expect, it } from 'vitest';
import { countSegments } from '../../src/vendors/twilio/segments.ts';

describe('SMS segment counting', () => {
  it('fits 160 plain ASCII characters in one GSM-7 segment', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
  });

  it('splits 161 plain characters into two 153-septet parts', () => {
    expect(countSegments('a'.repeat(161)).segments).toBe(2);
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts the 1,600-character maximum as 11 segments', () => {
    expect(countSegments('x'.repeat(1600)).segments).toBe(11);
  });

  it('switches the whole message to UCS-2 for one emoji, which takes two UTF-16 units', () => {
    const text = `${'a'.repeat(67)}😀`;
    expect(countSegments(text)).toEqual({ encoding: 'UCS-2', segments: 1, units: 69 });
    expect(countSegments(`${'a'.repeat(68)}😀`)).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(countSegments(`${'a'.repeat(69)}😀`).segments).toBe(2);
  });

  it('puts the UCS-2 boundary at 70 characters, then 67 per part', () => {
    expect(countSegments('ж'.repeat(70)).segments).toBe(1);
    expect(countSegments('ж'.repeat(71)).segments).toBe(2);
    expect(countSegments('ж'.repeat(134)).segments).toBe(2);
    expect(countSegments('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts the extended characters € and ^ as two septets each, staying in GSM-7', () => {
    const text = `Price: 5€ ^_^`;
    const result = countSegments(text);
    expect(result.encoding).toBe('GSM-7');
    expect(result.units).toBe(text.length + 3);
    // 158 plain + € = 160 septets: still one segment; one more plain character makes two.
    expect(countSegments(`${'a'.repeat(158)}€`).segments).toBe(1);
    expect(countSegments(`${'a'.repeat(159)}€`).segments).toBe(2);
  });

  it('never splits an escape pair across parts', () => {
    // 152 plain + € (2 septets) does not fit in 153: the € moves to the next part.
    const text = `${'a'.repeat(152)}€${'b'.repeat(152)}`;
    expect(countSegments(text).units).toBe(306);
    expect(countSegments(text).segments).toBe(3);
  });

  it('never splits an emoji across UCS-2 parts', () => {
    // 134 units would fit two 67-unit parts if the pair could be cut in half.
    const text = `${'ж'.repeat(66)}😀${'ж'.repeat(66)}`;
    expect(countSegments(text).units).toBe(134);
    expect(countSegments(text).segments).toBe(3);
  });

  it('keeps accented letters of the GSM alphabet in GSM-7 but not others', () => {
    expect(countSegments('Café à Zürich').encoding).toBe('GSM-7');
    expect(countSegments('Ça va? ñ ß').encoding).toBe('GSM-7');
    expect(countSegments('naïve').encoding).toBe('UCS-2');
  });

  it('counts an empty body as one segment', () => {
    expect(countSegments('').segments).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { decodeShareLink, encodeShareLink } from '../core/shareLink.ts';
import { classroomPrefix, fieldPathName, parseClassroom, withClassroom } from './classroom.ts';
import { EVERY_INDEX } from './experiment/fieldProblems.ts';

describe('classroom links', () => {
  it('round-trip their flags, in front of a share link that still opens the same experiment', () => {
    const settings = {
      hide: ['runs', 'datasets', 'raster-chart'],
      fix: ['training.epochs', 'network.layers.*.kernel.mode'],
    };
    for (const config of [preset('toy')!, { ...preset('yinyang')!, name: 'edited', seed: 7 }]) {
      const link = encodeShareLink(config);
      const fragment = withClassroom(link, settings);
      expect(
        fragment.startsWith(
          '#hide=runs,datasets,raster-chart&fix=training.epochs,network.layers.*.kernel.mode&x=',
        ),
      ).toBe(true);
      expect(parseClassroom(fragment)).toEqual(settings);
      const opened = decodeShareLink(`https://example.org/index.html${fragment}`);
      expect(opened.ignored).toEqual([]);
      expect(opened.config).toEqual(decodeShareLink(link).config);
    }
  });

  it('have no flags without them, and keep only plain ids from a hand-edited link', () => {
    expect(parseClassroom(encodeShareLink(preset('toy')!))).toEqual({ hide: [], fix: [] });
    expect(classroomPrefix({ hide: [], fix: [] })).toBe('');
    expect(parseClassroom('#hide=runs,<script>,runs,&fix=a%2Cb&x=1.toy&c=0')).toEqual({
      hide: ['runs'],
      fix: ['a', 'b'],
    });
  });

  it('name editor fields by config path, every layer as *', () => {
    expect(fieldPathName(['network', 'layers', EVERY_INDEX, 'kernel', 'mode'])).toBe(
      'network.layers.*.kernel.mode',
    );
    expect(fieldPathName(['training', 'epochs'])).toBe('training.epochs');
  });
});

import { exitWith } from './args';
import { main } from './compare-cli';

exitWith(main(process.argv.slice(2)));
